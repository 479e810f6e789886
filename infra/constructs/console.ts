import { join } from 'node:path';
import {
  aws_apigateway as apigateway,
  CfnOutput,
  aws_cloudfront as cloudfront,
  aws_cloudfront_origins as cloudfrontOrigins,
  aws_cognito as cognito,
  Duration,
  type aws_iam as iam,
  type aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  aws_s3 as s3,
  aws_s3_deployment as s3deploy,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type ApiThrottling, stageOptions } from './api.js';
import { PROJECT_ROOT } from './bundling.js';
import { render as nagRender, nagResource } from './nag.js';
import { ControlPlanePart } from './part.js';

export interface BreakwaterConsoleProps {
  /** Prefix of the user pool's, the app client's and the console API's names. */
  readonly name: string;
  /** The API handler: the console API calls it behind a Cognito authorizer. */
  readonly apiHandler: lambda.Function;
  /**
   * The prefix of the Cognito Hosted UI domain (`https://<prefix>.auth.<region>.amazoncognito.com`),
   * unique in the region.
   */
  readonly domainPrefix: string;
  /**
   * What happens to the buckets (site and access logs) and the user pool when they leave the
   * stack; RETAIN also turns on the user pool's deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** Retention of the log groups this part creates. */
  readonly logRetention: logs.RetentionDays;
  /** Rate and burst of the console API's stage. */
  readonly throttling: ApiThrottling;
}

/**
 * The dashboard (web/) in a private, versioned bucket, served by CloudFront through Origin
 * Access Control; people sign in with a Cognito user pool (Hosted UI, authorization code with
 * PKCE) and the dashboard calls a console API, the same handler behind a Cognito authorizer.
 * Its config.json gives it that API and the sign-in settings.
 */
export class BreakwaterConsole extends ControlPlanePart {
  /** Holds `web/` and `config.json`; private, read by CloudFront through Origin Access Control. */
  readonly bucket: s3.Bucket;
  /** S3 server access logs of `bucket` and CloudFront standard logs. */
  readonly logBucket: s3.Bucket;
  /** Serves `bucket` over HTTPS with the dashboard's security headers. */
  readonly distribution: cloudfront.Distribution;
  /** Copies `web/` and `config.json` into `bucket` and invalidates the distribution. */
  readonly deployment: s3deploy.BucketDeployment;
  /** The people who may sign in to the dashboard (created by an administrator; no self sign-up). */
  readonly userPool: cognito.UserPool;
  /** The dashboard's app client: public (no secret), authorization code with PKCE. */
  readonly userPoolClient: cognito.UserPoolClient;
  /** The Hosted UI domain the dashboard sends people to. */
  readonly userPoolDomain: cognito.UserPoolDomain;
  /** The API the dashboard calls: the same handler as the IAM API, behind a Cognito authorizer. */
  readonly api: apigateway.RestApi;

  readonly #name: string;
  readonly #logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: BreakwaterConsoleProps) {
    super(scope, id);
    this.#name = props.name;
    this.#logRetention = props.logRetention;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const stack = Stack.of(this);
    const logBucket = new s3.Bucket(this, 'ConsoleLogBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logs are delivered with an ACL grant, which needs ACLs enabled.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      // Access logs expire with the same retention as the log groups.
      lifecycleRules: [{ expiration: Duration.days(this.#logRetention) }],
      removalPolicy,
    });
    // No access logs of its own: cdk-nag (S1) accepts a bucket that is another bucket's log destination.
    const bucket = new s3.Bucket(this, 'ConsoleBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy,
    });
    const { userPool, userPoolDomain } = this.#createUserPool(removalPolicy, props.domainPrefix);
    const consoleApi = this.#createApi(userPool, props.apiHandler, props.throttling);
    const apiOrigin = `https://${consoleApi.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
    const signInOrigin = userPoolDomain.baseUrl();
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      comment:
        'Breakwater dashboard: security headers (the CSP of breakwater serve, plus the console API and sign-in origins).',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${apiOrigin} ${signInOrigin}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    const distribution = new cloudfront.Distribution(this, 'ConsoleDistribution', {
      comment: `Breakwater dashboard (${this.#name})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: cloudfrontOrigins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket,
      logFilePrefix: 'console-cdn/',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'No geo restriction: operators reach the dashboard from wherever they work; it serves static files only, and every API call it makes is authorized by the API itself.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        "No WAF by default: the distribution serves only the dashboard's static files (GET/HEAD, no origin logic, no data); a CLOUDFRONT-scope web ACL costs more than it protects here. Attach one with webAclId if your organisation requires it.",
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy (TLSv1 allowed for old clients); a custom domain with an ACM certificate and TLSv1.2_2021 is the way to raise it and is not configured by default.',
    });
    const consoleUrl = `https://${distribution.distributionDomainName}`;
    const userPoolClient = this.#connect(consoleApi, userPool, props.apiHandler, consoleUrl);
    const deploymentLogs = new logs.LogGroup(this, 'ConsoleDeploymentLogs', {
      retention: this.#logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deployment = new s3deploy.BucketDeployment(this, 'ConsoleDeployment', {
      sources: [
        s3deploy.Source.asset(join(PROJECT_ROOT, 'web')),
        // Read by web/api.js and web/auth.js at start: the console API (another origin) and how to sign in.
        s3deploy.Source.jsonData('config.json', {
          apiEndpoint: consoleApi.url,
          cognito: {
            domain: signInOrigin,
            clientId: userPoolClient.userPoolClientId,
            region: stack.region,
            redirectUri: `${consoleUrl}/`,
          },
        }),
      ],
      destinationBucket: bucket,
      distribution,
      distributionPaths: ['/*'],
      logGroup: deploymentLogs,
    });
    this.bucket = bucket;
    this.logBucket = logBucket;
    this.distribution = distribution;
    this.deployment = deployment;
    this.userPool = userPool;
    this.userPoolClient = userPoolClient;
    this.userPoolDomain = userPoolDomain;
    this.api = consoleApi;
    // Before the acknowledgements below: they name the bucket by its logical ID.
    this.keepLogicalIds();
    this.#acknowledgeBucketDeployment(deployment, bucket);
    new CfnOutput(this, 'ConsoleUrl', {
      description:
        'The hosted Breakwater dashboard: people sign in with the console user pool (docs/deploy.md).',
      value: `${consoleUrl}/`,
    });
    new CfnOutput(this, 'ConsoleUserPoolId', {
      description:
        'Who may sign in to the dashboard: aws cognito-idp admin-create-user --user-pool-id <this> --username <email>',
      value: userPool.userPoolId,
    });
  }

  /**
   * The people who may use the dashboard: created by an administrator (no self sign-up), email
   * as the user name (immutable: it is the name recorded on every command), a strong password
   * and a TOTP second factor, both required.
   */
  #createUserPool(
    removalPolicy: RemovalPolicy,
    domainPrefix: string,
  ): { userPool: cognito.UserPool; userPoolDomain: cognito.UserPoolDomain } {
    const userPool = new cognito.UserPool(this, 'ConsoleUserPool', {
      userPoolName: `${this.#name}-console`,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: false } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Essentials, not Plus: threat protection (the Plus plan) is billed per monthly active user, and the console has a few administrator-created operators, each with a required TOTP second factor and a 14-character password. Choose the Plus plan on the user pool if your organisation requires threat protection.',
    });
    const userPoolDomain = userPool.addDomain('ConsoleUserPoolDomain', { cognitoDomain: { domainPrefix } });
    return { userPool, userPoolDomain };
  }

  /**
   * The API the dashboard calls: the API handler (the same routes as the IAM API) with a
   * Cognito authorizer on every method, so the browser sends the signed-in person's ID token
   * instead of a SigV4 signature. Bodies are not binary here: the dashboard sends JSON only.
   */
  #createApi(
    userPool: cognito.UserPool,
    apiHandler: lambda.Function,
    throttling: ApiThrottling,
  ): apigateway.RestApi {
    const accessLogs = new logs.LogGroup(this, 'ConsoleApiAccessLogs', {
      retention: this.#logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const authorizer = new apigateway.CognitoUserPoolsAuthorizer(this, 'ConsoleAuthorizer', {
      authorizerName: `${this.#name}-console`,
      cognitoUserPools: [userPool],
    });
    const api = new apigateway.RestApi(this, 'ConsoleApi', {
      restApiName: `${this.#name}-console-api`,
      description: 'Breakwater: the hosted dashboard’s queries and commands (Cognito user pool ID tokens).',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // The IAM API owns the account's API Gateway logging role; a second one would clash.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.COGNITO, authorizer },
      deployOptions: stageOptions(accessLogs, throttling),
    });
    const validator = new apigateway.RequestValidator(this, 'ConsoleApiRequestValidator', {
      restApi: api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const integration = new apigateway.LambdaIntegration(apiHandler);
    api.root.addMethod('ANY', integration, { requestValidator: validator });
    api.root.addResource('{proxy+}').addMethod('ANY', integration, { requestValidator: validator });
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF by default: every method requires a Cognito ID token (verified by API Gateway before the handler runs) and the stage is throttled. Attach a WAF web ACL to the stage if your organisation requires one.',
    });
    return api;
  }

  /**
   * What ties the console API and the user pool to the dashboard's address: the app client
   * (public, code + PKCE, redirects only to the dashboard), CORS for that one origin (the
   * preflight, the authorizer's own 401/403, and the handler's answers through CONSOLE_ORIGIN).
   */
  #connect(
    consoleApi: apigateway.RestApi,
    userPool: cognito.UserPool,
    apiHandler: lambda.Function,
    consoleUrl: string,
  ): cognito.UserPoolClient {
    const client = userPool.addClient('ConsoleClient', {
      userPoolClientName: `${this.#name}-console`,
      // A browser cannot keep a secret: a public client, whose code exchange PKCE protects.
      generateSecret: false,
      // The Hosted UI only: no password flows straight from the page.
      authFlows: { user: false, userSrp: false, custom: false, adminUserPassword: false },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [`${consoleUrl}/`],
        logoutUrls: [`${consoleUrl}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      enableTokenRevocation: true,
    });
    for (const resource of [consoleApi.root, consoleApi.root.getResource('{proxy+}')!]) {
      const preflight = resource.addCorsPreflight({
        allowOrigins: [consoleUrl],
        allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
        allowHeaders: ['Authorization', 'Content-Type'],
        maxAge: Duration.hours(1),
      });
      Validations.of(preflight).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'The CORS preflight (OPTIONS): browsers send it without credentials by design; a mock integration answers it with the CORS headers for the dashboard origin only, and it reaches no handler or data.',
      });
      Validations.of(preflight).acknowledge({
        id: 'AwsSolutions-COG4',
        reason: 'The CORS preflight (OPTIONS) carries no token by design; it reaches no handler or data.',
      });
    }
    // The authorizer's refusals (401, 403) and API Gateway's own errors must be readable by the
    // page, or it could not tell "sign in again" from a network failure.
    for (const [id, type] of [
      ['ConsoleApiDefault4xx', apigateway.ResponseType.DEFAULT_4XX],
      ['ConsoleApiDefault5xx', apigateway.ResponseType.DEFAULT_5XX],
    ] as const) {
      consoleApi.addGatewayResponse(id, {
        type,
        responseHeaders: { 'Access-Control-Allow-Origin': `'${consoleUrl}'`, Vary: "'Origin'" },
      });
    }
    apiHandler.addEnvironment('CONSOLE_ORIGIN', consoleUrl);
    return client;
  }

  /**
   * Findings on CDK's BucketDeployment handler: a singleton Lambda and role that aws-cdk-lib
   * builds and grants. Each wildcard is acknowledged by name; one that CDK adds in a later
   * version stays a finding until someone reads it.
   */
  #acknowledgeBucketDeployment(deployment: s3deploy.BucketDeployment, bucket: s3.Bucket): void {
    const stack = Stack.of(this);
    const role = deployment.handlerRole;
    const handler = role.node.scope as Construct;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "CDK's BucketDeployment handler (Python, part of aws-cdk-lib) runs on the runtime aws-cdk-lib pins for it; it is not configurable and is updated with aws-cdk-lib.",
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's BucketDeployment handler role: the AWS managed policy only lets it write its own CloudWatch logs.",
    });
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `CDK's BucketDeployment handler copies the dashboard from the CDK asset bucket into the console bucket and prunes old files: aws-cdk-lib grants ${action} (bucket grantRead/grantReadWrite) on those two buckets only.`,
      });
    }
    const consoleObjects = nagResource(stack, bucket.arnForObjects('*'));
    const policy = role.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
    const document = stack.resolve(policy?.document.toJSON() ?? { Statement: [] }) as {
      Statement: { Action: string | string[]; Resource: unknown }[];
    };
    const wildcards = new Set<string>();
    for (const statement of document.Statement) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources.map(nagRender)) if (resource.includes('*')) wildcards.add(resource);
    }
    for (const resource of wildcards) {
      let reason: string | undefined;
      if (resource === consoleObjects) {
        reason =
          'The dashboard files in the console bucket: BucketDeployment writes and prunes them by key, and the keys are the files of web/.';
      } else if (resource === '*') {
        reason =
          'cloudfront:CreateInvalidation/GetInvalidation after each dashboard upload, granted by aws-cdk-lib on * (CDK does not scope it to the distribution).';
      } else if (/:s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/.test(resource)) {
        reason =
          'Objects of the CDK bootstrap asset bucket: the handler reads the zipped dashboard asset from it (read-only, granted by aws-cdk-lib).';
      }
      if (reason)
        Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    }
  }
}
