import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, aws_sqs as sqs, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOLIDAYS_DIR, holidaysFrom } from '../../functions/lib/date-holidays-lazy.js';
import { bundleReport, formatBundleReport } from '../../infra/bundle-report.js';
import { BreakwaterAlarmForwarder } from '../../infra/constructs/alarm-forwarder.js';
import {
  BreakwaterControlPlane,
  controlPlaneEventBusArn,
  targetCallerRoleArns,
} from '../../infra/constructs/index.js';
import { BreakwaterTargetRole } from '../../infra/constructs/target-role.js';
import { bundleLoadsHolidays } from '../../infra/holiday-files.js';
import { STEP_FUNCTIONS } from '../../src/ports/step-catalog.js';
import { ALL_HANDLERS, HOME_ACCOUNT, REGION, TARGET_ACCOUNT } from './helpers.js';

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

const outdirs: string[] = [];
function tempOutdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'breakwater-cdk-'));
  outdirs.push(dir);
  return dir;
}

function synthWithNag(build: (app: App) => void): {
  outdir: string;
  error?: unknown;
  report: ValidationReport;
} {
  const outdir = tempOutdir();
  // Asset metadata (what the CLI turns on) lets the bundle report find each function's folder.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  try {
    app.synth();
  } catch (caught) {
    error = caught;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport;
  return { outdir, error, report };
}

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('cdk-nag AwsSolutionsChecks', () => {
  let result: ReturnType<typeof synthWithNag>;

  beforeAll(() => {
    // GIVEN the whole app — control plane with every handler, bundled by esbuild, a target
    // account stack with the target role and an alarm forwarder, and a forwarder in another
    // region — checked by cdk-nag, as infra/app.ts does
    // WHEN it is synthesized (once: bundling is the slow part)
    result = synthWithNag((app) => {
      const home = new Stack(app, 'Breakwater', { env: { account: HOME_ACCOUNT, region: REGION } });
      new BreakwaterControlPlane(home, 'ControlPlane', {
        targetAccounts: [TARGET_ACCOUNT],
        handlers: ALL_HANDLERS,
      });
      const target = new Stack(app, 'BreakwaterTarget', { env: { account: TARGET_ACCOUNT, region: REGION } });
      new BreakwaterTargetRole(target, 'TargetRole', {
        controlPlaneRoleArns: targetCallerRoleArns(HOME_ACCOUNT, REGION),
        functions: [{ functionName: 'payments', aliases: ['live'] }],
        regions: [REGION, 'us-east-1'],
      });
      const bus = controlPlaneEventBusArn(HOME_ACCOUNT, REGION);
      new BreakwaterAlarmForwarder(target, 'AlarmForwarder', { controlPlaneEventBusArn: bus });
      const otherRegion = new Stack(app, 'BreakwaterAlarms', {
        env: { account: TARGET_ACCOUNT, region: 'us-east-1' },
      });
      new BreakwaterAlarmForwarder(otherRegion, 'AlarmForwarder', { controlPlaneEventBusArn: bus });
    });
  });

  it('reports zero unacknowledged errors or warnings', () => {
    // THEN synthesis passed and no plugin reported a violation
    const violations = result.report.pluginReports.flatMap((p) =>
      p.violations.map(
        (v) => `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
      ),
    );
    expect(violations).toEqual([]);
    expect(result.error).toBeUndefined();
    // AND what was checked includes the webhook secret, the hosted console, the alarm watcher's
    // dead-letter queue and bus policy, and the forwarders
    const template = readFileSync(join(result.outdir, 'Breakwater.template.json'), 'utf8');
    for (const type of [
      'AWS::SecretsManager::Secret',
      'AWS::CloudFront::Distribution',
      'AWS::S3::Bucket',
      'Custom::CDKBucketDeployment',
      'AWS::SQS::Queue',
      'AWS::Events::EventBusPolicy',
    ]) {
      expect(template).toContain(`"Type": "${type}"`);
    }
    for (const stack of ['BreakwaterTarget', 'BreakwaterAlarms']) {
      const forwarder = readFileSync(join(result.outdir, `${stack}.template.json`), 'utf8');
      expect(forwarder).toContain('"Type": "AWS::Events::Rule"');
    }
  });

  it('bundles every function with esbuild and reports its size', () => {
    // THEN each function's asset holds an ESM bundle, with the SDK inside it
    const sizes = bundleReport(result.outdir);
    console.log(formatBundleReport(sizes));
    // every step and every handler; CDK's Python BucketDeployment handler is not an esbuild bundle
    expect(sizes).toHaveLength(STEP_FUNCTIONS.length + Object.keys(ALL_HANDLERS).length);
    for (const size of sizes) {
      expect(size.codeBytes).toBeGreaterThan(0);
      expect(size.zippedBytes).toBeLessThan(5 * 1024 * 1024);
      // AND the holiday calendars are beside the bundles that reach date-holidays only, not in them,
      // and load on their own, one country at a time
      const code = readFileSync(size.entryFile, 'utf8');
      expect(code).not.toContain('Thanksgiving');
      const calendars = join(size.assetDir, HOLIDAYS_DIR);
      expect(existsSync(calendars), size.function).toBe(bundleLoadsHolidays(code));
      if (!existsSync(calendars)) continue;
      const thanksgiving = new (holidaysFrom(calendars))('US')
        .getHolidays(2026)
        .find((h: { date: string }) => h.date.startsWith('2026-11-26'));
      expect(thanksgiving?.name).toBe('Thanksgiving Day');
    }
    // the functions that evaluate windows carry them, those that never do not
    const withCalendars = sizes
      .filter((s) => existsSync(join(s.assetDir, HOLIDAYS_DIR)))
      .map((s) => s.function);
    expect(withCalendars.some((f) => /CheckWaveGateFunction/.test(f))).toBe(true);
    expect(withCalendars.some((f) => /(RecordProgress|StartWave|RollBack)Function/.test(f))).toBe(false);
  });

  it('bundles into each step Lambda only the SDK clients its step uses, and no credential link Lambda never needs', () => {
    // THEN each step's bundle holds exactly the clients of its ports (the API handlers are fixtures here) (STS only to reach target accounts):
    // no SSO, SSO OIDC or sign-in client of the default credential chain
    const expected: Record<string, string[]> = {
      StartDeployment: ['DynamoDB', 'EventBridge'],
      CheckWaveGate: ['CloudWatch', 'DynamoDB', 'EventBridge', 'STS'],
      StartWave: ['DynamoDB', 'EventBridge'],
      PrepareTarget: ['CloudWatch', 'DynamoDB', 'EventBridge', 'Lambda', 'STS'],
      ShiftWeight: ['DynamoDB', 'EventBridge', 'Lambda', 'STS'],
      WaitForBake: ['CloudWatch', 'DynamoDB', 'EventBridge', 'STS'],
      RollBack: ['DynamoDB', 'EventBridge', 'Lambda', 'STS'],
      RollBackRelease: ['DynamoDB', 'EventBridge', 'Lambda', 'STS'],
      RunHooks: ['DynamoDB', 'EventBridge', 'Lambda', 'STS'],
      RecordProgress: ['DynamoDB', 'EventBridge'],
    };
    const sizes = bundleReport(result.outdir);
    for (const [id, services] of Object.entries(expected)) {
      const size = sizes.find((s) => new RegExp(`${id}Function`).test(s.function));
      expect(size, id).toBeDefined();
      const code = readFileSync(size?.entryFile ?? '', 'utf8');
      // Each SDK client names its service in its runtime config: `serviceId: config?.serviceId ?? "Lambda"`
      const bundled = [...new Set([...code.matchAll(/serviceId\?\?"([^"]+)"/g)].map((m) => m[1]))].sort();
      expect(bundled, id).toEqual(services);
    }
  });

  it('does report a finding that nobody acknowledged (the check is live)', () => {
    // GIVEN a stack with a queue that has no DLQ and no SSL policy, acknowledged by nobody
    const unchecked = synthWithNag((app) => {
      new sqs.Queue(new Stack(app, 'Unchecked', { env: { account: HOME_ACCOUNT, region: REGION } }), 'Queue');
    });
    // THEN synthesis fails with the rule ids in the report
    expect(unchecked.error).toBeDefined();
    const rules = unchecked.report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName));
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']));
  });
});
