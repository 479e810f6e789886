import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

/** One Lambda bundle in a cloud assembly. */
export interface BundleSize {
  /** The construct path, e.g. `Breakwater/ControlPlane/WaitForBakeFunction` (else the logical id). */
  readonly function: string;
  /** The asset folder (the deployment package's contents). */
  readonly assetDir: string;
  /** The bundle Lambda imports at a cold start (`index.mjs`), absolute. */
  readonly entryFile: string;
  /** Bytes of that bundle: what a cold start parses. */
  readonly codeBytes: number;
  /** Bytes of the other files (in subfolders too), loaded only when needed (the holiday calendars). */
  readonly onDemandBytes: number;
  /** Bytes of the source maps shipped beside it. */
  readonly sourceMapBytes: number;
  /** Approximate size of the deployment package (deflate, level 9, all files). */
  readonly zippedBytes: number;
}

interface TemplateResource {
  readonly Type: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties?: { readonly Runtime?: unknown };
}

/**
 * Reads every `*.template.json` in a cloud assembly (default `cdk.out`) and measures the asset
 * folder of each Node.js Lambda function: what `npm run synth` actually bundled. CDK's own
 * handlers on other runtimes (the Python BucketDeployment handler) are not ours to size.
 *
 * @example node --import tsx infra/bundle-report.ts cdk.out
 */
export function bundleReport(assemblyDir = 'cdk.out'): BundleSize[] {
  const sizes: BundleSize[] = [];
  for (const file of readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as {
      Resources?: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const assetPath = resource.Metadata?.['aws:asset:path'];
      // The CLI adds construct paths; an App synthesized in a test only has logical ids.
      const cdkPath = resource.Metadata?.['aws:cdk:path'];
      const name = typeof cdkPath === 'string' ? cdkPath.replace(/\/Resource$/, '') : logicalId;
      if (resource.Type !== 'AWS::Lambda::Function' || typeof assetPath !== 'string') continue;
      const runtime = resource.Properties?.Runtime;
      if (typeof runtime !== 'string' || !runtime.startsWith('nodejs')) continue;
      const dir = join(assemblyDir, assetPath);
      let entryFile = '';
      let codeBytes = 0;
      let onDemandBytes = 0;
      let sourceMapBytes = 0;
      let zippedBytes = 0;
      for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
        const path = join(dir, name);
        if (!statSync(path).isFile()) continue;
        const content = readFileSync(path);
        if (name.endsWith('.map')) sourceMapBytes += content.length;
        else if (/^index\.[cm]?js$/.test(name)) {
          entryFile = path;
          codeBytes += content.length;
        } else onDemandBytes += content.length;
        zippedBytes += deflateRawSync(content, { level: 9 }).length;
      }
      sizes.push({
        function: name,
        assetDir: dir,
        entryFile,
        codeBytes,
        onDemandBytes,
        sourceMapBytes,
        zippedBytes,
      });
    }
  }
  return sizes.sort((a, b) => a.function.localeCompare(b.function));
}

/** A table for humans: one line per function, kilobytes. */
export function formatBundleReport(sizes: readonly BundleSize[]): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`.padStart(10);
  const width = Math.max(8, ...sizes.map((s) => s.function.length));
  const lines = [
    `${'function'.padEnd(width)}  ${'code'.padStart(10)}  ${'on demand'.padStart(10)}  ${'map'.padStart(10)}  ${'zipped'.padStart(10)}`,
  ];
  for (const s of sizes) {
    lines.push(
      `${s.function.padEnd(width)}  ${kb(s.codeBytes)}  ${kb(s.onDemandBytes)}  ${kb(s.sourceMapBytes)}  ${kb(s.zippedBytes)}`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatBundleReport(bundleReport(process.argv[2] ?? 'cdk.out')));
}
