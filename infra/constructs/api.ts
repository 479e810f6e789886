import {
  aws_apigateway as apigateway,
  aws_iam as iam,
  type aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { API_BINARY_MEDIA_TYPES } from '../../src/api/binary-media-types.js';
import { createBreakwaterFunction } from './function.js';
import { nagResource } from './nag.js';
import { ControlPlanePart } from './part.js';
import type { BreakwaterStore } from './store.js';
import { BreakwaterConfigError } from './validation.js';
import type { BreakwaterWorkflows } from './workflows.js';

/** Steady-state requests per second and burst of an API stage. */
export interface ApiThrottling {
  /** Steady-state requests per second. */
  readonly rate: number;
  /** Requests above the rate taken at once. */
  readonly burst: number;
}

/** The stage of each REST API: v1, access logs, error logging, metrics, tracing, throttling. */
export function stageOptions(accessLogs: logs.ILogGroup, throttling: ApiThrottling): apigateway.StageOptions {
  return {
    stageName: 'v1',
    accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
    accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
    loggingLevel: apigateway.MethodLoggingLevel.ERROR,
    dataTraceEnabled: false,
    metricsEnabled: true,
    tracingEnabled: true,
    throttlingRateLimit: throttling.rate,
    throttlingBurstLimit: throttling.burst,
  };
}

export interface BreakwaterApiProps {
  /** Prefix of the REST API's name: `<name>-api`. */
  readonly name: string;
  /** The table: the API Lambda reads and writes it. */
  readonly store: BreakwaterStore;
  /** The API starts and stops deployments and starts release rollbacks. */
  readonly workflows: BreakwaterWorkflows;
  /**
   * The API handler's entry (see ControlPlaneHandlerEntries); undefined: no API Lambda, and the
   * REST API carries the GitHub webhook only.
   */
  readonly entry?: string;
  /** The GitHub webhook Lambda, routed at `POST /webhooks/github` without SigV4. @default no route */
  readonly githubWebhook?: lambda.Function;
  /** Environment of the API Lambda. */
  readonly environment: Readonly<Record<string, string>>;
  /** Retention of the log groups this part creates. */
  readonly logRetention: logs.RetentionDays;
  /** Memory of each Lambda this part creates, in MB. */
  readonly memorySize: number;
  /** Rate and burst of the stage. */
  readonly throttling: ApiThrottling;
  /**
   * Create the account-level role API Gateway needs to write logs (one per account and region).
   * @default true
   */
  readonly cloudWatchRole?: boolean;
}

/**
 * The REST API (stage v1, regional): every route of the API handler behind IAM (SigV4), and the
 * GitHub webhook behind its HMAC; the API Lambda with what its commands need (the table, starting
 * deployments and release rollbacks, describing and stopping deployments).
 */
export class BreakwaterApi extends ControlPlanePart {
  /** The REST API. */
  readonly restApi: apigateway.RestApi;
  /** The API Lambda; undefined when no API entry was given. */
  readonly handler?: lambda.Function;

  constructor(scope: Construct, id: string, props: BreakwaterApiProps) {
    super(scope, id);
    if (props.entry === undefined && props.githubWebhook === undefined) {
      throw new BreakwaterConfigError(
        'BreakwaterApi',
        'entry, githubWebhook',
        {},
        'the API handler entry, the GitHub webhook Lambda, or both (a REST API needs a route)',
      );
    }
    const handler = props.entry === undefined ? undefined : this.#createHandler(props.entry, props);
    this.handler = handler;
    const cloudWatchRole = props.cloudWatchRole ?? true;
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${props.name}-api`,
      description: 'Breakwater: queries and commands (IAM/SigV4) and the GitHub webhook (HMAC).',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Bodies reach the handlers base64-encoded, byte for byte: the webhook's HMAC is checked on
      // the exact bytes GitHub signed, whatever their encoding.
      binaryMediaTypes: [...API_BINARY_MEDIA_TYPES],
      cloudWatchRole,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: stageOptions(accessLogs, props.throttling),
    });
    const validator = new apigateway.RequestValidator(this, 'ApiRequestValidator', {
      restApi: api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    if (handler) {
      const integration = new apigateway.LambdaIntegration(handler);
      api.root.addMethod('ANY', integration, { requestValidator: validator });
      api.root.addResource('{proxy+}').addMethod('ANY', integration, { requestValidator: validator });
    }
    if (props.githubWebhook) {
      const method = api.root
        .resourceForPath('webhooks/github')
        .addMethod('POST', new apigateway.LambdaIntegration(props.githubWebhook), {
          // GitHub cannot sign with SigV4: the handler verifies X-Hub-Signature-256 (HMAC) instead.
          authorizationType: apigateway.AuthorizationType.NONE,
          requestValidator: validator,
          requestParameters: {
            'method.request.header.X-Hub-Signature-256': true,
            'method.request.header.X-GitHub-Event': true,
          },
        });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GitHub webhooks cannot sign requests with SigV4; the handler verifies the X-Hub-Signature-256 HMAC with the shared webhook secret before doing anything, and API Gateway rejects requests without the signature header.',
      });
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'The GitHub webhook is authenticated by its HMAC signature, not by a Cognito user.',
      });
    }
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Breakwater API callers are AWS principals (CLI, CI roles) authorized with IAM/SigV4, not Cognito users.',
    });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF by default: every command route requires SigV4 and the webhook an HMAC, and the stage is throttled. Attach a WAF web ACL to the stage if your organisation requires one.',
    });
    if (cloudWatchRole) {
      Validations.of(api).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'The account-level role API Gateway uses to write access and execution logs; AWS maintains this managed policy for exactly that purpose.',
      });
    }
    this.restApi = api;
    this.keepLogicalIds();
  }

  /** Lets `grantee` call the IAM-authorized routes (execute-api:Invoke on the stage). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: [this.restApi.arnForExecuteApi()],
    });
  }

  #createHandler(entry: string, props: BreakwaterApiProps): lambda.Function {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'ApiRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    const fn = createBreakwaterFunction(this, 'Api', {
      entry,
      role,
      environment: props.environment,
      logRetention: props.logRetention,
      memorySize: props.memorySize,
    });
    const { workflows } = props;
    props.store.grantReadWrite(fn);
    workflows.grantStartDeployment(fn);
    // POST /deployments/{id}/rollback of a succeeded release.
    workflows.grantStartReleaseRollback(fn);
    workflows.grantExecutions(fn, 'Deployment', ['states:DescribeExecution', 'states:StopExecution']);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(stack, workflows.executionsArn('Deployment'))}]`,
      reason:
        'The API describes and cancels deployments: executions of the Deployment state machine, whose names (the deployment ids) are generated per deployment.',
    });
    // Asked again, the API reads the last ReleaseRollback execution to restart one that ended.
    workflows.grantExecutions(fn, 'ReleaseRollback', ['states:DescribeExecution']);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(stack, workflows.executionsArn('ReleaseRollback'))}]`,
      reason:
        'The API reads (DescribeExecution only) the ReleaseRollback executions of a deployment to restart one that ended before the rollback did; their names are the deployment ids, generated per deployment.',
    });
    return fn;
  }
}
