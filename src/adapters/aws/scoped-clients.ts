/*
 * SDK clients for the accounts and regions Breakwater deploys into, built per scope from the
 * factories given and nothing else: this module imports no SDK client, so a Lambda bundles only
 * the clients its steps use (functions/lib/aws-ports.ts). AwsClientProvider (clients.ts) is the
 * same with every factory defaulted. The control plane lives in one account; targets may live in
 * others, reached by assuming a role there. Clients are built once per scope and reused: building
 * one is not free, and each client memoizes its credentials.
 */

import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { type InputIssue, InvalidInputError } from '../../core/errors.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Scope } from '../../ports/fleet.js';

/** Hands out SDK clients for a scope. The AWS adapters depend on this, not on a concrete class. */
export interface ClientProvider {
  lambda(scope: Scope): LambdaClient;
  cloudWatch(scope: Scope): CloudWatchClient;
  /** A Lambda client for invoking deployment hooks: one attempt, a request timeout above any hook's. */
  hookLambda?(scope: Scope): LambdaClient;
}

/** What a client factory receives. `credentials` is absent for the control plane's own account. */
export interface ClientConfig {
  readonly region: string;
  readonly credentials?: AwsCredentialIdentityProvider;
}

/** A request to obtain credentials in a target account. */
export interface AssumeRoleRequest {
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** The region whose STS endpoint is used (regional endpoints keep working if us-east-1 does not). */
  readonly region: string;
}

export interface ScopedClientProviderOptions {
  /** The control plane's own account id. Calls into it use the default credential chain. */
  readonly homeAccount: string;
  /**
   * The role assumed in every other account; `{account}` is replaced by the target account id.
   * @default 'arn:aws:iam::{account}:role/breakwater-target'
   */
  readonly roleArnTemplate?: string;
  /**
   * Session name recorded in the target account's CloudTrail for every call.
   * @default 'breakwater'
   */
  readonly roleSessionName?: string;
  /** Builds the Lambda clients; `lambda()` fails without it. */
  readonly createLambdaClient?: (config: ClientConfig) => LambdaClient;
  /** Builds the CloudWatch clients; `cloudWatch()` fails without it. */
  readonly createCloudWatchClient?: (config: ClientConfig) => CloudWatchClient;
  /** Builds the hook-invoking Lambda clients; `hookLambda()` uses `lambda()` without it. */
  readonly createHookLambdaClient?: (config: ClientConfig) => LambdaClient;
  /**
   * Builds the credential provider for a role. Its results are cached per account until five
   * minutes before they expire. Without it, a scope in another account fails.
   */
  readonly assumeRole?: (request: AssumeRoleRequest) => AwsCredentialIdentityProvider;
  /** @default systemClock */
  readonly clock?: Clock;
  /**
   * Wraps every client built, for tracing (Powertools' `tracer.captureAWSv3Client`).
   * @default the client as built
   */
  readonly traceClient?: <C extends LambdaClient | CloudWatchClient>(client: C) => C;
}

export const DEFAULT_ROLE_ARN_TEMPLATE = 'arn:aws:iam::{account}:role/breakwater-target';

/** Assumed credentials are renewed this long before they expire, so no call starts with a dying session. */
export const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60 * 1000;

const ACCOUNT_ID = /^\d{12}$/;

/** A client kind this provider was not given a factory for: a wiring mistake in the composition root. */
function missingFactory(option: string): never {
  throw new Error(
    `no ${option} given to the client provider: name the port that needs it in this Lambda's lambdaDeps() (functions/lib/aws-ports.ts)`,
  );
}

/**
 * Builds and caches SDK clients per {account, region} with the factories given. The home
 * account uses the default credential chain (the Lambda's execution role); any other account is
 * reached by assuming a role built from a template, with one cached session per account shared by
 * all of its regions and clients.
 *
 * @example
 * ```ts
 * const clients = new ScopedClientProvider({ homeAccount: '111111111111', assumeRole, createLambdaClient });
 * // Assumes arn:aws:iam::222222222222:role/breakwater-target on first use.
 * clients.lambda({ account: '222222222222', region: 'eu-west-1' });
 * ```
 */
export class ScopedClientProvider implements ClientProvider {
  readonly #homeAccount: string;
  readonly #roleArnTemplate: string;
  readonly #roleSessionName: string;
  readonly #createLambdaClient: (config: ClientConfig) => LambdaClient;
  readonly #createCloudWatchClient: (config: ClientConfig) => CloudWatchClient;
  readonly #createHookLambdaClient: ((config: ClientConfig) => LambdaClient) | undefined;
  readonly #assumeRole: (request: AssumeRoleRequest) => AwsCredentialIdentityProvider;
  readonly #clock: Clock;
  readonly #traceClient: <C extends LambdaClient | CloudWatchClient>(client: C) => C;
  readonly #lambdaClients = new Map<string, LambdaClient>();
  readonly #cloudWatchClients = new Map<string, CloudWatchClient>();
  readonly #hookLambdaClients = new Map<string, LambdaClient>();
  readonly #credentials = new Map<string, AwsCredentialIdentityProvider>();

  constructor(options: ScopedClientProviderOptions) {
    const roleArnTemplate = options.roleArnTemplate ?? DEFAULT_ROLE_ARN_TEMPLATE;
    const issues: InputIssue[] = [];
    if (!ACCOUNT_ID.test(options.homeAccount)) {
      issues.push({
        path: 'homeAccount',
        message: `expected a 12-digit AWS account id, got ${JSON.stringify(options.homeAccount)}`,
        received: options.homeAccount,
        expected: '12 digits',
      });
    }
    if (!roleArnTemplate.includes('{account}')) {
      issues.push({
        path: 'roleArnTemplate',
        message: `expected a role ARN containing {account}, got ${JSON.stringify(roleArnTemplate)}`,
        received: roleArnTemplate,
        expected: 'arn:aws:iam::{account}:role/NAME',
      });
    }
    if (issues.length > 0) {
      throw new InvalidInputError('AWS client provider options', issues);
    }
    this.#homeAccount = options.homeAccount;
    this.#roleArnTemplate = roleArnTemplate;
    this.#roleSessionName = options.roleSessionName ?? 'breakwater';
    this.#createLambdaClient = options.createLambdaClient ?? (() => missingFactory('createLambdaClient'));
    this.#createCloudWatchClient =
      options.createCloudWatchClient ?? (() => missingFactory('createCloudWatchClient'));
    this.#createHookLambdaClient = options.createHookLambdaClient;
    this.#assumeRole = options.assumeRole ?? (() => missingFactory('assumeRole'));
    this.#clock = options.clock ?? systemClock;
    this.#traceClient = options.traceClient ?? ((client) => client);
  }

  lambda(scope: Scope): LambdaClient {
    return this.#cached(this.#lambdaClients, scope, this.#createLambdaClient);
  }

  cloudWatch(scope: Scope): CloudWatchClient {
    return this.#cached(this.#cloudWatchClients, scope, this.#createCloudWatchClient);
  }

  /** For deployment hooks: the hook client factory's clients, else the ordinary Lambda clients. */
  hookLambda(scope: Scope): LambdaClient {
    if (this.#createHookLambdaClient === undefined) return this.lambda(scope);
    return this.#cached(this.#hookLambdaClients, scope, this.#createHookLambdaClient);
  }

  /** The role ARN used for `account`; exposed so operators can see what must exist. */
  roleArnFor(account: string): string {
    return this.#roleArnTemplate.replaceAll('{account}', account);
  }

  #cached<C extends LambdaClient | CloudWatchClient>(
    cache: Map<string, C>,
    scope: Scope,
    create: (config: ClientConfig) => C,
  ): C {
    const key = `${scope.account}/${scope.region}`;
    let client = cache.get(key);
    if (client === undefined) {
      client = this.#traceClient(create(this.#configFor(scope)));
      cache.set(key, client);
    }
    return client;
  }

  #configFor(scope: Scope): ClientConfig {
    if (scope.account === this.#homeAccount) {
      return { region: scope.region };
    }
    if (!ACCOUNT_ID.test(scope.account)) {
      // A malformed account would otherwise become a malformed role ARN and an opaque STS error.
      throw new InvalidInputError('target scope', [
        {
          path: 'account',
          message: `expected a 12-digit AWS account id, got ${JSON.stringify(scope.account)}`,
          received: scope.account,
          expected: '12 digits',
        },
      ]);
    }
    return { region: scope.region, credentials: this.#credentialsFor(scope) };
  }

  #credentialsFor(scope: Scope): AwsCredentialIdentityProvider {
    let credentials = this.#credentials.get(scope.account);
    if (credentials === undefined) {
      // One session per account: the first region asked for picks the STS endpoint, and every
      // client of that account reuses the session instead of calling AssumeRole on its own.
      const source = this.#assumeRole({
        roleArn: this.roleArnFor(scope.account),
        roleSessionName: this.#roleSessionName,
        region: scope.region,
      });
      credentials = cacheUntilNearExpiry(source, this.#clock);
      this.#credentials.set(scope.account, credentials);
    }
    return credentials;
  }
}

/**
 * Shares one pending or resolved identity between callers until five minutes before it expires,
 * then fetches a new one. A failed fetch is not cached, so the next call tries again.
 */
function cacheUntilNearExpiry(
  source: AwsCredentialIdentityProvider,
  clock: Clock,
): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  let refreshAtMs = Number.POSITIVE_INFINITY;
  return () => {
    if (current !== undefined && clock.nowMs() < refreshAtMs) {
      return current;
    }
    const pending = source().then(
      (identity) => {
        refreshAtMs =
          identity.expiration === undefined
            ? Number.POSITIVE_INFINITY
            : identity.expiration.getTime() - CREDENTIAL_REFRESH_MARGIN_MS;
        return identity;
      },
      (error: unknown) => {
        if (current === pending) {
          current = undefined;
        }
        throw error;
      },
    );
    current = pending;
    refreshAtMs = Number.POSITIVE_INFINITY;
    return pending;
  };
}
