import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, aws_lambda as lambda, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { BreakwaterControlPlane } from '../infra/constructs/control-plane.js';

/*
 * `npm run build` (and `npm pack` through `prepack`): what the installed package runs.
 *
 *   dist/src, dist/functions, dist/infra, dist/examples  compiled JavaScript + .d.ts (tsconfig.build.json)
 *   dist/statemachines, dist/web, dist/examples/**.json   copied, so every module finds them at the
 *                                                        same relative place as in the repository
 *   dist/vendor/aws-local-stepfunctions.mjs             the local Step Functions interpreter with
 *                                                        patches/ applied, bundled (see vendorInterpreter)
 *   dist/lambda/<Id>/                                    each Lambda's bundle (index.mjs, its map,
 *                                                        holiday-calendars/ where it evaluates
 *                                                        windows), made by the construct
 *                                                        itself, so with exactly its BUNDLING
 *
 * The bundles come from constructing the control plane once from source and copying the asset
 * folders CDK staged: whatever BUNDLING says (esbuild options, the holiday calendars) is what
 * ships, with no second copy of the options to drift.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = join(ROOT, 'dist');

function step(message: string): void {
  process.stdout.write(`build: ${message}\n`);
}

function compile(): void {
  step('tsc -p tsconfig.build.json');
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
}

function copyAssets(): void {
  step('copying statemachines/, web/ and the example JSON files');
  cpSync(join(ROOT, 'statemachines'), join(DIST, 'statemachines'), { recursive: true });
  cpSync(join(ROOT, 'web'), join(DIST, 'web'), { recursive: true });
  cpSync(join(ROOT, 'examples'), join(DIST, 'examples'), {
    recursive: true,
    filter: (source) => !/\.[cm]?ts$/.test(source),
  });
}

/**
 * The local engine needs aws-local-stepfunctions with patches/aws-local-stepfunctions+3.0.0.patch
 * (src/local/step-functions.ts refuses to run without it). patch-package patches this repository's
 * node_modules, never a team's: the package ships the patched interpreter bundled (its SDK clients
 * stay imports, they are Breakwater's own dependencies) and the compiled engine imports that.
 */
const INTERPRETER = 'aws-local-stepfunctions';

function vendorInterpreter(): void {
  step(`bundling the patched ${INTERPRETER} into dist/vendor/`);
  const outfile = join(DIST, 'vendor', `${INTERPRETER}.mjs`);
  execFileSync(
    join(ROOT, 'node_modules/.bin/esbuild'),
    [
      join(ROOT, 'node_modules', INTERPRETER, 'build/main.node.esm.js'),
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--external:@aws-sdk/*',
      '--log-level=warning',
      '--banner:js=import { createRequire as __bwCreateRequire } from "node:module"; const require = __bwCreateRequire(import.meta.url);',
      `--outfile=${outfile}`,
    ],
    { stdio: 'inherit' },
  );
  const importer = join(DIST, 'src/local/step-functions.js');
  const compiled = readFileSync(importer, 'utf8');
  const rewritten = compiled.replace(`from '${INTERPRETER}'`, `from '../../vendor/${INTERPRETER}.mjs'`);
  if (rewritten === compiled) throw new Error(`${importer}: expected an import of '${INTERPRETER}'`);
  writeFileSync(importer, rewritten);
}

/** Every Lambda of the control plane (in any of its parts) made from one of its entries: `<Id>Function` → Id. */
function breakwaterFunctions(scope: IConstruct): [string, lambda.Function][] {
  const found: [string, lambda.Function][] = [];
  for (const child of scope.node.findAll()) {
    if (child instanceof lambda.Function && child.node.id.endsWith('Function')) {
      found.push([child.node.id.slice(0, -'Function'.length), child]);
    }
  }
  return found;
}

function bundleLambdas(): void {
  const outdir = mkdtempSync(join(tmpdir(), 'breakwater-build-'));
  try {
    step('bundling the Lambdas (the construct, from source)');
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'Build', { env: { account: '111111111111', region: 'eu-west-1' } });
    const controlPlane = new BreakwaterControlPlane(stack, 'Breakwater', { console: false });
    const functions = breakwaterFunctions(controlPlane);
    for (const [id, fn] of functions) {
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      const assetPath = cfn.getMetadata('aws:asset:path') as string | undefined;
      if (assetPath === undefined) throw new Error(`${fn.node.path}: no asset path (was it bundled?)`);
      const target = join(DIST, 'lambda', id);
      cpSync(join(outdir, assetPath), target, { recursive: true });
      step(`  ${relative(ROOT, target)} (${readdirSync(target).join(', ')})`);
    }
    if (functions.length === 0) throw new Error('found no Lambda to bundle');
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

rmSync(DIST, { recursive: true, force: true });
compile();
copyAssets();
vendorInterpreter();
bundleLambdas();
step('done');
