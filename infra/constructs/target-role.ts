import { ArnFormat, Duration, aws_iam as iam, Stack, Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { lambdaFunctionArn, nagResource } from './nag.js';
import {
  ALIAS_NAME,
  BreakwaterConfigError,
  EXTERNAL_ID,
  FUNCTION_NAME,
  REGION,
  ROLE_ARN,
  ROLE_NAME,
  Validator,
} from './validation.js';

/** A Lambda function in the target account that Breakwater may deploy, and the aliases it shifts. */
export interface BreakwaterTargetFunction {
  /** The function name (not an ARN). */
  readonly functionName: string;
  /** The aliases whose weights Breakwater shifts, e.g. `['live']`. */
  readonly aliases: readonly string[];
}

export interface BreakwaterTargetRoleProps {
  /**
   * The control plane's step Lambda roles allowed to assume this role, e.g. from
   * `targetCallerRoleArns(account, region)`. All must be in the same (control plane) account.
   */
  readonly controlPlaneRoleArns: readonly string[];
  /** The functions Breakwater may deploy in this account; nothing else is reachable. */
  readonly functions: readonly BreakwaterTargetFunction[];
  /**
   * Deployment hook functions in this account (by name, in the role's regions) that pipelines
   * name: the control plane may invoke these, and no other function.
   * @default [] (none)
   */
  readonly hookFunctions?: readonly string[];
  /**
   * Regions of those functions (and of their alarms and metrics).
   * @default [the stack's region]
   */
  readonly regions?: readonly string[];
  /**
   * The role's name; the control plane builds the ARN from it (TARGET_ROLE_ARN_TEMPLATE).
   * @default 'breakwater-target'
   */
  readonly roleName?: string;
  /**
   * An ExternalId the caller must present. Note: the control plane's client (src/adapters/aws/
   * clients.ts) sends none today; set this only together with a client that does.
   * @default no ExternalId condition
   */
  readonly externalId?: string;
  /**
   * Longest session the control plane may hold. It renews five minutes before expiry.
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * The role Breakwater assumes in a target account: read and shift the named functions' aliases,
 * publish their versions, read alarms and metrics — assumable only by the control plane's step
 * Lambda roles.
 *
 * @example
 * ```ts
 * new BreakwaterTargetRole(stack, 'BreakwaterTarget', {
 *   controlPlaneRoleArns: targetCallerRoleArns('111111111111', 'eu-west-1'),
 *   functions: [{ functionName: 'payments', aliases: ['live'] }],
 * });
 * ```
 */
export class BreakwaterTargetRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: BreakwaterTargetRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const check = new Validator('BreakwaterTargetRole');
    check.nonEmpty('controlPlaneRoleArns', props.controlPlaneRoleArns);
    check.each(
      'controlPlaneRoleArns',
      props.controlPlaneRoleArns,
      ROLE_ARN,
      'an IAM role ARN such as "arn:aws:iam::111111111111:role/NAME"',
    );
    const accounts = [...new Set(props.controlPlaneRoleArns.map((arn) => ROLE_ARN.exec(arn)?.[1] ?? ''))];
    if (accounts.length > 1) {
      throw new BreakwaterConfigError(
        'BreakwaterTargetRole',
        'controlPlaneRoleArns',
        props.controlPlaneRoleArns,
        `roles of one control plane account (found ${accounts.join(', ')})`,
      );
    }
    check.nonEmpty('functions', props.functions);
    props.functions.forEach((fn, index) => {
      check.pattern(
        `functions[${index}].functionName`,
        fn.functionName,
        FUNCTION_NAME,
        'a Lambda function name (1-64 of a-z A-Z 0-9 - _)',
      );
      check.nonEmpty(`functions[${index}].aliases`, fn.aliases);
      check.each(
        `functions[${index}].aliases`,
        fn.aliases,
        ALIAS_NAME,
        'a Lambda alias name (1-128 of a-z A-Z 0-9 - _, not only digits)',
      );
    });
    const regions = props.regions ?? [stack.region];
    check.nonEmpty('regions', regions);
    check.each('regions', regions, REGION, 'an AWS region name such as "eu-west-1"');
    const roleName = props.roleName ?? 'breakwater-target';
    check.pattern('roleName', roleName, ROLE_NAME, 'an IAM role name without a path');
    if (props.externalId !== undefined) {
      check.pattern(
        'externalId',
        props.externalId,
        EXTERNAL_ID,
        'an ExternalId of 2-1224 characters from [\\w+=,.@:/-]',
      );
    }

    // Trusting the account with an aws:PrincipalArn condition (instead of naming the roles as
    // principals) lets this stack deploy before the control plane exists, and survives the
    // control plane's roles being re-created; only the listed roles can still assume it.
    const conditions: Record<string, Record<string, unknown>> = {
      ArnEquals: { 'aws:PrincipalArn': [...props.controlPlaneRoleArns] },
    };
    if (props.externalId !== undefined) conditions.StringEquals = { 'sts:ExternalId': props.externalId };
    this.role = new iam.Role(this, 'Role', {
      roleName,
      description: 'Assumed by the Breakwater control plane to deploy Lambda functions in this account.',
      assumedBy: new iam.PrincipalWithConditions(new iam.AccountPrincipal(accounts[0]), conditions),
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
    });

    const fnArn = (region: string, resourceName: string) => lambdaFunctionArn(stack, region, resourceName);
    const functionArns = regions.flatMap((region) =>
      props.functions.map((fn) => fnArn(region, fn.functionName)),
    );
    const aliasArns = regions.flatMap((region) =>
      props.functions.flatMap((fn) =>
        fn.aliases.map((alias) => fnArn(region, `${fn.functionName}:${alias}`)),
      ),
    );
    const versionArns = regions.flatMap((region) =>
      props.functions.map((fn) => fnArn(region, `${fn.functionName}:*`)),
    );
    const alarmArns = regions.map((region) =>
      stack.formatArn({
        service: 'cloudwatch',
        region,
        resource: 'alarm',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const hookNames = props.hookFunctions ?? [];
    hookNames.forEach((name, i) => {
      check.pattern(`hookFunctions[${i}]`, name, /^[A-Za-z0-9_-]{1,64}$/, 'a Lambda function name');
    });
    const hookArns = regions.flatMap((region) =>
      hookNames.flatMap((name) => [fnArn(region, name), fnArn(region, `${name}:*`)]),
    );
    const policy = new iam.Policy(this, 'Policy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ShiftAliases',
          actions: ['lambda:GetAlias', 'lambda:UpdateAlias'],
          resources: [...functionArns, ...aliasArns],
        }),
        new iam.PolicyStatement({
          sid: 'PublishVersions',
          actions: ['lambda:PublishVersion', 'lambda:UpdateFunctionCode'],
          resources: functionArns,
        }),
        new iam.PolicyStatement({
          sid: 'ReadVersions',
          actions: ['lambda:GetFunctionConfiguration'],
          resources: [...functionArns, ...versionArns],
        }),
        new iam.PolicyStatement({
          sid: 'ReadAlarms',
          actions: ['cloudwatch:DescribeAlarms'],
          resources: alarmArns,
        }),
        ...(hookArns.length > 0
          ? [
              new iam.PolicyStatement({
                sid: 'InvokeHooks',
                actions: ['lambda:InvokeFunction'],
                resources: hookArns,
              }),
            ]
          : []),
        new iam.PolicyStatement({
          sid: 'ReadMetrics',
          actions: ['cloudwatch:GetMetricData'],
          resources: ['*'],
        }),
      ],
    });
    for (const arn of versionArns) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`,
        reason:
          'GetFunctionConfiguration on the versions of a named function: version numbers are published during each deployment and cannot be listed in advance.',
      });
    }
    for (const arn of hookArns.filter((a) => a.endsWith(':*'))) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`,
        reason:
          'InvokeFunction on the versions and aliases of a named hook function (a pipeline may name one).',
      });
    }
    for (const arn of alarmArns) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagResource(stack, arn)}]`,
        reason:
          'Alarm names come from pipeline definitions registered at run time; DescribeAlarms is read-only and limited to this account and the target regions.',
      });
    }
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData supports no resource-level permissions; it is read-only (bake data-point counts).',
    });
  }

  /** The role's ARN, which the control plane builds from TARGET_ROLE_ARN_TEMPLATE. */
  get roleArn(): string {
    return this.role.roleArn;
  }
}
