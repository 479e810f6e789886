import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aws_lambda_nodejs as nodejs } from 'aws-cdk-lib';

/**
 * The root this module sits under: the repository in a clone (`infra/constructs/` → `./`), the
 * package's `dist/` once installed (`dist/infra/constructs/` → `dist/`, where `npm run build` puts
 * the ASL files, `web/` and the Lambda bundles). ASL files and `web/` are read from it, never
 * from the working directory; source entries and the lock file too, when bundling from source.
 */
export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm run build` puts each Lambda's bundle: `<root>/lambda/<Id>/index.mjs` (scripts/build.ts). */
export const PREBUILT_LAMBDA_DIR = join(PROJECT_ROOT, 'lambda');

/**
 * The folder of the prebuilt bundle of the Lambda `id` (`Api`, `WaitForBake`, …) if the package
 * ships one, else undefined (a clone: the construct bundles from source with esbuild).
 */
export function prebuiltBundle(id: string, root: string = PREBUILT_LAMBDA_DIR): string | undefined {
  const dir = join(root, id);
  return existsSync(join(dir, 'index.mjs')) ? dir : undefined;
}

/** How every Breakwater Lambda is bundled (see docs/deploy.md for the measurements behind it). */
export const BUNDLING: nodejs.BundlingOptions = {
  forceDockerBundling: false,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  format: nodejs.OutputFormat.ESM,
  target: 'node22',
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies call require() for Node built-ins; ESM has none without this.
  banner:
    "import { createRequire as __bwCreateRequire } from 'node:module'; const require = __bwCreateRequire(import.meta.url);",
  // The SDK v3 clients are bundled (and tree-shaken) instead of taken from the runtime: the code
  // runs the exact versions it was tested with, and a bundled SDK imports in about a third of the
  // CPU time of the same clients loaded as packages (`npm run bench -- --bundles-only`).
  externalModules: [],
  esbuildArgs: {
    // The holiday calendars ship beside the bundles that reach them, one file per country, and a
    // window's first holiday lookup loads its country's only (functions/lib/date-holidays-lazy.ts).
    '--alias:date-holidays': join(PROJECT_ROOT, 'functions/lib/date-holidays-lazy.ts'),
    // The SDK's default credential chain becomes the environment's credentials, all Lambda gives:
    // its SSO, config-file, web-identity and IMDS links and their clients are ~90 KB
    // (functions/lib/lambda-credentials.ts).
    '--alias:@aws-sdk/credential-provider-node': join(PROJECT_ROOT, 'functions/lib/lambda-credentials.ts'),
  },
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    // Writes the calendars if the bundle reaches date-holidays, else nothing (infra/holiday-files.ts).
    afterBundling: (_inputDir, outputDir) => [
      [join(PROJECT_ROOT, 'node_modules/.bin/tsx'), join(PROJECT_ROOT, 'infra/holiday-files.ts'), outputDir]
        .map((arg) => JSON.stringify(arg))
        .join(' '),
    ],
  },
};
