import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { BreakwaterControlPlane, type BreakwaterControlPlaneProps } from '../../infra/constructs/index.js';
import { ControlPlanePart } from '../../infra/constructs/part.js';

/** The stand-in entry used for the API/trigger handlers that do not exist yet. */
export const FIXTURE_HANDLER = 'test/infra/fixtures/noop-handler.ts';

export const ALL_HANDLERS = {
  api: FIXTURE_HANDLER,
  githubWebhook: FIXTURE_HANDLER,
  codeCommit: FIXTURE_HANDLER,
  alarmState: FIXTURE_HANDLER,
} as const;

export const HOME_ACCOUNT = '111111111111';
export const TARGET_ACCOUNT = '222222222222';
export const REGION = 'eu-west-1';

/**
 * A control plane in its own stack. Bundling is skipped (context `aws:cdk:bundling-stacks: []`)
 * unless asked for: the template is the same, and esbuild runs once per function otherwise.
 */
export function buildControlPlane(
  props: BreakwaterControlPlaneProps = {},
  options: { bundle?: boolean; before?: (stack: Stack, plane: BreakwaterControlPlane) => void } = {},
): { app: App; stack: Stack; plane: BreakwaterControlPlane; template: Template } {
  const app = new App(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: HOME_ACCOUNT, region: REGION } });
  const plane = new BreakwaterControlPlane(stack, 'ControlPlane', props);
  options.before?.(stack, plane);
  return { app, stack, plane, template: Template.fromStack(stack) };
}

/**
 * Renders a CloudFormation value to a string: `Fn::Join` is joined, `Ref`/`Fn::GetAtt` become
 * `<LogicalId>`/`<LogicalId.Attr>`, pseudo parameters `<AWS::Region>`.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return `<${String(object.Ref)}>`;
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      return `<${id}.${attribute}>`;
    }
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  return JSON.stringify(value);
}

export interface Statement {
  readonly policy: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
  readonly raw: Record<string, unknown>;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every statement of every identity policy (AWS::IAM::Policy and inline role policies). */
export function identityStatements(template: Template): Statement[] {
  const statements: Statement[] = [];
  const collect = (policy: string, document: { Statement: Record<string, unknown>[] }) => {
    for (const raw of document.Statement) {
      statements.push({
        policy,
        effect: String(raw.Effect),
        actions: asArray(raw.Action as string | string[]),
        resources: asArray(raw.Resource as unknown).map(render),
        raw,
      });
    }
  };
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    collect(id, policy.Properties.PolicyDocument);
  }
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const inline of (role.Properties.Policies ?? []) as {
      PolicyDocument: { Statement: Record<string, unknown>[] };
    }[]) {
      collect(id, inline.PolicyDocument);
    }
  }
  return statements;
}

/** The logical id in the template of `construct` (its L1 resource), overrides included. */
export function logicalIdOfConstruct(stack: Stack, construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return stack.resolve((resource as CfnElement).logicalId) as string;
}

/**
 * The logical id of the resource the control plane (or one of its parts: store, steps,
 * workflows...) holds under the construct id `child`.
 */
export function logicalIdOf(stack: Stack, plane: BreakwaterControlPlane, child: string): string {
  return logicalIdOfConstruct(stack, childOf(plane, child));
}

/** The construct with id `child` in the control plane or in one of its parts. */
export function childOf(plane: BreakwaterControlPlane, child: string): IConstruct {
  const found = [plane, ...plane.node.children.filter((c) => c instanceof ControlPlanePart)]
    .map((scope) => scope.node.tryFindChild(child))
    .filter((c) => c !== undefined && !(c instanceof ControlPlanePart));
  if (found.length !== 1) {
    throw new Error(
      `expected one construct with id ${child} in the control plane or its parts, found ${found.length}`,
    );
  }
  return found[0]!;
}
