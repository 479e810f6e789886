import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Command } from 'commander';
import type { ManualBlockScope } from '../core/blockers.js';
import { type InputIssue, InvalidInputError } from '../core/errors.js';
import { type Clock, isoAt, systemClock } from '../ports/clock.js';
import type { BlockerRecord, DeploymentRecord, OverrideRecord, VetoRecord } from '../ports/store.js';

/*
 * The `breakwater` commands that talk to a control plane over its HTTP API: the local one
 * (`breakwater serve`, a bearer token) or the one on AWS (API Gateway with IAM auth: every
 * request signed with SigV4 for `execute-api`).
 */

/** An API error response: what was asked, the status code and the API's error body. */
export class ApiRequestError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} failed: ${status} ${describeErrorBody(body)}`);
    this.name = 'ApiRequestError';
  }
}

/** The control plane could not be reached at all. */
export class ApiUnreachableError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    options?: ErrorOptions,
  ) {
    const cause = (options?.cause as { cause?: { code?: string }; message?: string } | undefined) ?? {};
    super(
      `${method} ${url} failed: cannot reach the control plane (${cause.cause?.code ?? cause.message ?? 'network error'}); is \`breakwater serve\` running, is --endpoint right?`,
      options,
    );
    this.name = 'ApiUnreachableError';
  }
}

function describeErrorBody(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; issues?: { path: string; message: string }[]; requestId?: string };
    const lines = [typeof b.error === 'string' ? b.error : JSON.stringify(body)];
    for (const i of b.issues ?? []) lines.push(`  - ${i.path === '' ? '(root)' : i.path}: ${i.message}`);
    if (b.requestId) lines.push(`  (request id ${b.requestId})`);
    return lines.join('\n');
  }
  return typeof body === 'string' && body !== '' ? body : '(no body)';
}

const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

/**
 * The region of an API Gateway endpoint (`https://abc123.execute-api.eu-west-1.amazonaws.com/prod`),
 * or undefined when the endpoint is not an execute-api host.
 *
 * @example executeApiRegion('https://abc123.execute-api.eu-west-1.amazonaws.com/prod') // 'eu-west-1'
 */
export function executeApiRegion(endpoint: string): string | undefined {
  try {
    return EXECUTE_API_HOST.exec(new URL(endpoint).hostname)?.[1];
  } catch {
    return undefined;
  }
}

export interface ClientOptions {
  /** Base URL of the API, with the stage path on AWS (`https://id.execute-api.region.amazonaws.com/prod`). */
  readonly endpoint: string;
  /** Bearer token of a local control plane. */
  readonly token?: string;
  /** Signs with SigV4 in this region; default: the execute-api host's region. */
  readonly region?: string;
  /** Sign even when the endpoint is not an execute-api host (a custom domain name). */
  readonly sigv4?: boolean;
  /** Credentials to sign with; default: the AWS default provider chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The signing time; default: now. */
  /** Where signing time comes from (tests pass a fixed clock). @default the system clock */
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
}

/** A request as it goes on the wire (after signing). */
export interface PreparedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/**
 * Signs a request for API Gateway (service `execute-api`) with SigV4.
 *
 * @example
 * const signed = await signForExecuteApi(
 *   { method: 'GET', url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/blockers', headers: {} },
 *   { region: 'eu-west-1', credentials, now: new Date() },
 * );
 * signed.headers.authorization; // 'AWS4-HMAC-SHA256 Credential=AKIA.../20261121/eu-west-1/execute-api/aws4_request, ...'
 */
export async function signForExecuteApi(
  request: PreparedRequest,
  options: {
    readonly region: string;
    readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
    readonly now: Date;
  },
): Promise<PreparedRequest> {
  const url = new URL(request.url);
  // Own data properties only: `query.__proto__ = v` would set the prototype and drop the parameter.
  const query: Record<string, string> = Object.fromEntries(url.searchParams);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      ...(request.body !== undefined ? { body: request.body } : {}),
    }),
    { signingDate: options.now },
  );
  return { ...request, headers: signed.headers as Record<string, string> };
}

/**
 * A client of the Breakwater HTTP API. Every method returns the API's JSON, or throws
 * ApiRequestError (status code and error body) or ApiUnreachableError.
 *
 * @example
 * const api = new BreakwaterClient({ endpoint: 'http://127.0.0.1:8787', token });
 * const { deploymentId } = await api.start('payments-api', { changeId: 'abc123', version: '2', by: 'alice' });
 * const detail = await api.status(deploymentId);
 */
export class BreakwaterClient {
  private readonly base: string;
  private readonly region: string | undefined;
  private credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;

  constructor(private readonly options: ClientOptions) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new InvalidInputError('options', [
        {
          path: '--endpoint',
          message: `expected a URL like http://127.0.0.1:8787, got ${JSON.stringify(options.endpoint)}`,
        },
      ]);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidInputError('options', [
        { path: '--endpoint', message: `expected an http(s) URL, got ${JSON.stringify(options.endpoint)}` },
      ]);
    }
    this.base = url.href.replace(/\/+$/, '');
    const signs = options.sigv4 === true || executeApiRegion(options.endpoint) !== undefined;
    this.region = signs ? (options.region ?? executeApiRegion(options.endpoint)) : undefined;
    if (signs && !this.region) {
      throw new InvalidInputError('options', [
        {
          path: '--region',
          message: 'expected the API region for SigV4 signing (the endpoint does not name one)',
        },
      ]);
    }
    this.credentials = options.credentials;
  }

  /** Whether requests are signed with SigV4 (an AWS endpoint). */
  get signs(): boolean {
    return this.region !== undefined;
  }

  /** The request as it would be sent: URL, headers (token or SigV4 signature) and body. */
  async prepare(method: string, path: string, body?: unknown): Promise<PreparedRequest> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers['content-type'] = 'application/json';
    const request: PreparedRequest = {
      method,
      url: `${this.base}${path}`,
      headers,
      ...(text !== undefined ? { body: text } : {}),
    };
    if (this.region) {
      this.credentials ??= fromNodeProviderChain();
      return signForExecuteApi(request, {
        region: this.region,
        credentials: this.credentials,
        now: new Date((this.options.clock ?? systemClock).nowMs()),
      });
    }
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    return request;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const prepared = await this.prepare(method, path, body);
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(prepared.url, {
        method: prepared.method,
        headers: prepared.headers,
        ...(prepared.body !== undefined ? { body: prepared.body } : {}),
      });
    } catch (error) {
      throw new ApiUnreachableError(method, prepared.url, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON (a proxy's error page): keep the text.
    }
    if (!response.ok) throw new ApiRequestError(method, prepared.url, response.status, parsed);
    return parsed as T;
  }

  status(deploymentId: string): Promise<DeploymentDetailBody> {
    return this.request('GET', `/deployments/${encodeURIComponent(deploymentId)}`);
  }

  start(
    pipeline: string,
    options: { changeId: string; version?: string; description?: string; by: string },
  ): Promise<{ deploymentId: string; executionArn: string }> {
    return this.request('POST', `/pipelines/${encodeURIComponent(pipeline)}/deployments`, {
      change: {
        id: options.changeId,
        ...(options.version !== undefined ? { version: options.version } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
      },
      requestedBy: options.by,
    });
  }

  stop(deploymentId: string, options: { by: string; reason: string }): Promise<DeploymentRecord> {
    return this.request('POST', `/deployments/${encodeURIComponent(deploymentId)}/stop`, options);
  }

  rollback(
    deploymentId: string,
    options: {
      by: string;
      reason: string;
      mode?: 'fast' | 'reverse-waves';
      force?: boolean;
      leave?: string[];
    },
  ): Promise<{ deployment: DeploymentRecord; executionArn: string }> {
    return this.request('POST', `/deployments/${encodeURIComponent(deploymentId)}/rollback`, options);
  }

  block(options: {
    scope: ManualBlockScope;
    reason: string;
    by: string;
    expiresAt?: string;
  }): Promise<BlockerRecord> {
    return this.request('POST', '/blockers', {
      scope: options.scope,
      reason: options.reason,
      author: options.by,
      ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
    });
  }

  listBlockers(): Promise<{ items: BlockerRecord[] }> {
    return this.request('GET', '/blockers');
  }

  async unblock(blockerId: string): Promise<void> {
    await this.request('DELETE', `/blockers/${encodeURIComponent(blockerId)}`);
  }

  /** `POST /triggers/codecommit` (local control plane only): a CodeCommit event, as EventBridge delivers it. */
  triggerCodeCommit(event: CodeCommitPushEvent): Promise<CodeCommitTriggerBody> {
    return this.request('POST', '/triggers/codecommit', event);
  }

  /** Marks a change of a pipeline bad (`POST /pipelines/{name}/changes/{change}/veto`). */
  veto(pipeline: string, changeId: string, options: { by: string; reason: string }): Promise<VetoResponse> {
    return this.request('POST', `${changePath(pipeline, changeId)}/veto`, options);
  }

  /** Lifts the veto of a change (`POST .../veto/lift`). */
  liftVeto(
    pipeline: string,
    changeId: string,
    options: { by: string; reason: string },
  ): Promise<VetoResponse> {
    return this.request('POST', `${changePath(pipeline, changeId)}/veto/lift`, options);
  }

  listVetoes(pipeline: string): Promise<{ items: VetoRecord[] }> {
    return this.request('GET', `/pipelines/${encodeURIComponent(pipeline)}/vetoes`);
  }

  override(
    deploymentId: string,
    options: { blockerId: string; by: string; reason: string; fixesAlarm?: boolean },
  ): Promise<OverrideRecord> {
    return this.request('POST', `/deployments/${encodeURIComponent(deploymentId)}/overrides`, {
      blockerId: options.blockerId,
      by: options.by,
      reason: options.reason,
      ...(options.fixesAlarm ? { fixesAlarm: true } : {}),
    });
  }
}

const changePath = (pipeline: string, changeId: string) =>
  `/pipelines/${encodeURIComponent(pipeline)}/changes/${encodeURIComponent(changeId)}`;

/** What a veto or a lift answers. */
export interface VetoResponse {
  readonly veto: VetoRecord;
  readonly created?: boolean;
  readonly lifted?: boolean;
  readonly deployments: readonly { readonly deploymentId: string; readonly status: string }[];
}

/** One line per deployment a veto or lift touched, for the human output of `veto` and `unveto`. */
export function renderVetoResult(result: VetoResponse, verb: 'vetoed' | 'lifted'): string {
  const v = result.veto;
  const fresh = verb === 'vetoed' ? result.created !== false : result.lifted !== false;
  const who = verb === 'vetoed' ? v.vetoed : (v.lifted ?? v.vetoed);
  const head =
    verb === 'vetoed'
      ? `${fresh ? 'Vetoed' : 'Already vetoed:'} change ${v.changeId} of ${v.pipelineName} by ${who.by} at ${who.at}: ${who.reason}`
      : `${fresh ? 'Lifted' : 'Already lifted:'} the veto of change ${v.changeId} of ${v.pipelineName} by ${who.by} at ${who.at}: ${who.reason}`;
  const lines = [head];
  for (const d of result.deployments) lines.push(`  deployment ${d.deploymentId}: ${d.status}`);
  if (result.deployments.length === 0) lines.push('  no deployment of this change yet');
  lines.push(
    verb === 'vetoed'
      ? `Lift it: breakwater unveto ${v.pipelineName} ${v.changeId} --reason <why>`
      : `It may start again: breakwater start ${v.pipelineName} --change ${v.changeId}`,
  );
  return lines.join('\n');
}

/** `GET /deployments/{id}`. */
export interface DeploymentDetailBody {
  readonly deployment: DeploymentRecord;
  readonly waves: readonly {
    readonly index: number;
    readonly name: string;
    readonly status: string;
    readonly bake?: {
      phase: string;
      dataPoints: number;
      minDataPoints: number;
      verdict: string;
      /** The bake in words as of the answer (elapsed and remaining time from the clock then). */
      note?: string;
    };
    readonly blocked?: { since: string; blockers: readonly { id: string; description: string }[] };
    readonly targets: readonly { targetId: string; status: string; weight: number; newVersion?: string }[];
  }[];
  readonly events: readonly { at: string; type: string; message: string }[];
  readonly overrides: readonly OverrideRecord[];
}

/** A "CodeCommit Repository State Change" event for a branch moved to a commit, as EventBridge delivers it. */
export interface CodeCommitPushEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'CodeCommit Repository State Change';
  readonly source: 'aws.codecommit';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly callerUserArn: string;
    readonly commitId: string;
    readonly event: 'referenceUpdated';
    readonly referenceFullName: string;
    readonly referenceName: string;
    readonly referenceType: 'branch';
    readonly repositoryName: string;
  };
}

/** What `POST /triggers/codecommit` answers. */
export interface CodeCommitTriggerBody {
  readonly ignored?: string;
  readonly deployments?: readonly {
    pipeline: string;
    deploymentId: string;
    duplicate?: true;
    message?: string;
  }[];
  readonly skipped?: readonly { pipeline: string; reason: string }[];
  /** When nothing started: what was received and which CodeCommit sources exist. */
  readonly reason?: string;
}

const COMMIT_ID = /^[0-9a-f]{7,40}$/i;
const REPOSITORY_NAME = /^[\w.-]{1,100}$/;
const ACCOUNT_ID = /^\d{12}$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/**
 * Builds the event CodeCommit sends through EventBridge when `branch` of `repository` moves to
 * `commit` (`referenceUpdated`), from `breakwater trigger codecommit`'s flags. Every missing or
 * malformed flag is reported at once (InvalidInputError).
 *
 * @example codeCommitPushEvent({ repository: 'checkout', branch: 'main', commit: '3e8b3ab', by: 'ana' }, { id: 'e1', nowMs: 0 })
 */
export function codeCommitPushEvent(
  flags: {
    readonly repository?: string;
    readonly branch?: string;
    readonly commit?: string;
    readonly account?: string;
    readonly sourceRegion?: string;
    readonly by: string;
  },
  envelope: { readonly id: string; readonly nowMs: number },
): CodeCommitPushEvent {
  const issues: InputIssue[] = [];
  const check = (path: string, value: string | undefined, pattern: RegExp, expected: string) => {
    if (value === undefined) issues.push({ path, message: `expected ${expected}, got nothing` });
    else if (!pattern.test(value))
      issues.push({ path, message: `expected ${expected}, got ${JSON.stringify(value)}`, received: value });
  };
  check(
    '--repository',
    flags.repository,
    REPOSITORY_NAME,
    'a CodeCommit repository name (letters, digits, . _ -)',
  );
  check('--branch', flags.branch, /^[^\s]{1,256}$/, 'a branch name like main');
  check(
    '--commit',
    flags.commit,
    COMMIT_ID,
    'a commit id: 7 to 40 hex digits, as `git rev-parse HEAD` prints',
  );
  const account = flags.account ?? '123456789012';
  const region = flags.sourceRegion ?? 'us-east-1';
  check('--account', account, ACCOUNT_ID, 'a 12-digit AWS account id');
  check('--source-region', region, AWS_REGION, 'an AWS region like eu-west-1');
  if (issues.length > 0) throw new InvalidInputError('trigger codecommit', issues);
  const repository = flags.repository!;
  const branch = flags.branch!;
  return {
    version: '0',
    id: envelope.id,
    'detail-type': 'CodeCommit Repository State Change',
    source: 'aws.codecommit',
    account,
    time: isoAt(envelope.nowMs).replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [`arn:aws:codecommit:${region}:${account}:${repository}`],
    detail: {
      callerUserArn: `arn:aws:iam::${account}:user/${flags.by}`,
      commitId: flags.commit!.toLowerCase(),
      event: 'referenceUpdated',
      referenceFullName: `refs/heads/${branch}`,
      referenceName: branch,
      referenceType: 'branch',
      repositoryName: repository,
    },
  };
}

/** Human-readable answer of `breakwater trigger codecommit`; `started` is whether anything started. */
export function renderCodeCommitTrigger(body: CodeCommitTriggerBody): { text: string; started: boolean } {
  if (body.ignored !== undefined) return { text: `Nothing started: ${body.ignored}`, started: false };
  const lines: string[] = [];
  for (const d of body.deployments ?? []) {
    lines.push(
      d.duplicate
        ? `${d.pipeline}: ${d.message ?? `already started as ${d.deploymentId}`}`
        : `Started deployment ${d.deploymentId} of ${d.pipeline}. Follow it: breakwater status ${d.deploymentId}`,
    );
  }
  for (const s of body.skipped ?? []) lines.push(`${s.pipeline}: not started: ${s.reason}`);
  const started = (body.deployments ?? []).some((d) => !d.duplicate);
  if ((body.deployments ?? []).length === 0)
    lines.unshift(`Nothing started: ${body.reason ?? 'no pipeline matched'}`);
  return { text: lines.join('\n'), started };
}

/**
 * Parses `--scope`: `global`, `pipeline:<name>`, `wave:<pipeline>/<wave>` or
 * `target:<pipeline>/<target>`.
 *
 * @example parseBlockScope('wave:payments-api/europe') // { kind: 'wave', pipeline: 'payments-api', wave: 'europe' }
 */
export function parseBlockScope(text: string): ManualBlockScope {
  const fail = (message: string): never => {
    throw new InvalidInputError('block', [{ path: '--scope', message, received: text }]);
  };
  const expected = 'expected global, pipeline:<name>, wave:<pipeline>/<wave> or target:<pipeline>/<target>';
  if (text === 'global') return { kind: 'global' };
  const colon = text.indexOf(':');
  if (colon < 0) return fail(`${expected}, got ${JSON.stringify(text)}`);
  const kind = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  if (kind === 'pipeline') {
    if (!rest || rest.includes('/')) return fail(`expected pipeline:<name>, got ${JSON.stringify(text)}`);
    return { kind: 'pipeline', pipeline: rest };
  }
  if (kind === 'wave' || kind === 'target') {
    const slash = rest.indexOf('/');
    const pipeline = rest.slice(0, slash);
    const name = rest.slice(slash + 1);
    if (slash <= 0 || !name)
      return fail(`expected ${kind}:<pipeline>/<${kind}>, got ${JSON.stringify(text)}`);
    return kind === 'wave' ? { kind, pipeline, wave: name } : { kind, pipeline, target: name };
  }
  return fail(`${expected}, got ${JSON.stringify(text)}`);
}

/** Checks `--expires`: an ISO 8601 instant with a time zone. */
export function parseExpires(text: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ||
    Number.isNaN(Date.parse(text))
  ) {
    throw new InvalidInputError('block', [
      {
        path: '--expires',
        message: `expected an ISO 8601 time with a zone like 2026-11-24T18:00:00Z, got ${JSON.stringify(text)}`,
      },
    ]);
  }
  return new Date(Date.parse(text)).toISOString();
}

/** Checks `--version`: a published Lambda version number. */
export function parseVersion(text: string): string {
  if (!/^\d+$/.test(text)) {
    throw new InvalidInputError('start', [
      {
        path: '--version',
        message: `expected a published Lambda version number like "7", got ${JSON.stringify(text)}`,
      },
    ]);
  }
  return text;
}

export interface ConnectionFlags {
  readonly endpoint?: string;
  readonly token?: string;
  readonly region?: string;
  readonly sigv4?: boolean;
  readonly json?: boolean;
  readonly as?: string;
}

/** The client for the command's flags and the environment (BREAKWATER_ENDPOINT, BREAKWATER_TOKEN). */
export function clientFromFlags(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv = process.env,
): BreakwaterClient {
  const endpoint = flags.endpoint ?? env.BREAKWATER_ENDPOINT;
  const issues: InputIssue[] = [];
  if (!endpoint) {
    issues.push({
      path: '--endpoint',
      message:
        'expected the API URL (or set BREAKWATER_ENDPOINT): http://127.0.0.1:8787 for `breakwater serve`, the API Gateway URL on AWS',
    });
  }
  if (issues.length > 0) throw new InvalidInputError('options', issues);
  const token = flags.token ?? env.BREAKWATER_TOKEN;
  return new BreakwaterClient({
    endpoint: endpoint!,
    ...(token ? { token } : {}),
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.sigv4 ? { sigv4: true } : {}),
  });
}

/** Who acts: `--as`, else the login name. */
export function personFromFlags(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): string {
  if (flags.as !== undefined) {
    if (flags.as.trim() === '') {
      throw new InvalidInputError('options', [
        { path: '--as', message: 'expected a name, got an empty string' },
      ]);
    }
    return flags.as;
  }
  const user = env.USER ?? env.USERNAME ?? safeUserName();
  if (!user) {
    throw new InvalidInputError('options', [
      { path: '--as', message: 'expected --as <name>: $USER is not set, and someone must be named' },
    ]);
  }
  return user;
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function parseRollbackMode(mode: string): 'fast' | 'reverse-waves' {
  if (mode === 'fast' || mode === 'reverse-waves') return mode;
  throw new InvalidInputError('rollback', [
    { path: '--mode', message: 'expected fast or reverse-waves', received: mode },
  ]);
}

/**
 * A refused release rollback names the targets a newer deployment changed in the API's terms
 * (`"force"`, `"leave"`): say it in this command's flags.
 */
export function withLeaveHint(error: unknown): unknown {
  if (!(error instanceof ApiRequestError) || error.status !== 409) return error;
  const conflicts = (error.body as { conflicts?: { targetId: string }[] } | undefined)?.conflicts;
  if (!conflicts || conflicts.length === 0) return error;
  const message = (error.body as { error?: string }).error ?? error.message;
  const sentence = message.replace(/\s(Send|Name every such target)[\s\S]*$/, '');
  return new ApiRequestError(error.method, error.url, error.status, {
    ...(error.body as object),
    error: `${sentence} To roll back the other targets and leave these, add --force --leave ${conflicts.map((c) => c.targetId).join(',')}`,
  });
}

const CONNECTED = { by: '--as', reason: '--reason' } as const;

/**
 * For each command that calls the API: the request field an API 400 names (an issue's path) → the
 * flag or argument the user typed. A field's parts (`scope.pipeline`, `leave[0]`) are the same flag.
 */
export const FLAGS_OF_FIELDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  start: {
    'change.id': '--change',
    'change.version': '--version',
    'change.description': '--description',
    requestedBy: '--as',
  },
  stop: CONNECTED,
  rollback: { ...CONNECTED, mode: '--mode', force: '--force', leave: '--leave' },
  block: { scope: '--scope', reason: '--reason', author: '--as', expiresAt: '--expires' },
  override: { ...CONNECTED, blockerId: '<blockerId>', fixesAlarm: '--fixes-alarm' },
  veto: CONNECTED,
  unveto: CONNECTED,
  metrics: { 'query.from': '--from', 'query.to': '--to', 'query.bucket': '--bucket' },
  'trigger codecommit': {
    'detail.repositoryName': '--repository',
    'detail.referenceName': '--branch',
    'detail.commitId': '--commit',
    'detail.callerUserArn': '--as',
    account: '--account',
    region: '--source-region',
  },
};

/**
 * The flag of `command` that sets the API field at `path`, or undefined when no flag does.
 *
 * @example flagOfField('start', 'change.id') // '--change'
 * @example flagOfField('block', 'scope.pipeline') // '--scope'
 */
export function flagOfField(command: string, path: string): string | undefined {
  const fields = FLAGS_OF_FIELDS[command] ?? {};
  let field = path;
  for (;;) {
    const flag = fields[field];
    if (flag !== undefined) return flag;
    const cut = Math.max(field.lastIndexOf('.'), field.lastIndexOf('['));
    if (cut <= 0) return undefined;
    field = field.slice(0, cut);
  }
}

/**
 * An API 400 in the terms of the command that sent it: each issue's path becomes the flag the user
 * typed (`change.id` → `--change`), and a field quoted in a message (`"leave"`) its flag too. The
 * result is an InvalidInputError (exit 2: the input was wrong, like a malformed flag caught before
 * sending). Anything else is returned unchanged.
 *
 * @example inFlagTerms('start', new ApiRequestError('POST', url, 400, { error: 'invalid request', issues: [{ path: 'change.id', message: 'too long' }] }))
 * // InvalidInputError: start is invalid:\n  - --change: too long
 */
export function inFlagTerms(command: string, error: unknown): unknown {
  if (!(error instanceof ApiRequestError) || error.status !== 400) return error;
  const issues = (error.body as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues) || issues.length === 0) return error;
  const quoted = Object.entries(FLAGS_OF_FIELDS[command] ?? {}).filter(([field]) => /^\w+$/.test(field));
  return new InvalidInputError(
    command,
    (issues as { path: string; message: string }[]).map((issue) => ({
      path: flagOfField(command, issue.path) ?? issue.path,
      message: quoted.reduce(
        (message, [field, flag]) => message.replaceAll(`"${field}"`, flag),
        String(issue.message),
      ),
    })),
  );
}

function requireReason(reason: string | undefined, command: string): string {
  if (!reason || reason.trim() === '') {
    throw new InvalidInputError(command, [
      { path: '--reason', message: 'expected a reason: it is recorded on the timeline' },
    ]);
  }
  return reason;
}

/** Human-readable summary of a deployment, for `breakwater status`. */
export function renderStatus(detail: DeploymentDetailBody): string {
  const d = detail.deployment;
  const lines = [
    `Deployment ${d.id}: ${d.status.toUpperCase()}`,
    `  pipeline ${d.pipelineName} v${d.pipelineVersion}, change ${d.change.id}${d.change.version ? ` (version ${d.change.version})` : ''}${d.requestedBy ? `, requested by ${d.requestedBy}` : ''}`,
    `  started ${d.createdAt}${d.endedAt ? `, ended ${d.endedAt}` : ''}`,
  ];
  if (d.cancelRequest) lines.push(`  stop requested by ${d.cancelRequest.by}: ${d.cancelRequest.reason}`);
  if (d.veto) {
    lines.push(`  change vetoed by ${d.veto.by} at ${d.veto.at}: ${d.veto.reason}`);
    if (d.veto.lifted)
      lines.push(`  veto lifted by ${d.veto.lifted.by} at ${d.veto.lifted.at}: ${d.veto.lifted.reason}`);
  }
  if (d.rollback) lines.push(`  rollback: ${d.rollback.reason}`);
  if (d.releaseRollback) {
    const r = d.releaseRollback;
    lines.push(
      `  release rollback (${r.mode}) requested by ${r.by} at ${r.requestedAt}${r.releasedAt ? `, released ${r.releasedAt}` : ''}${r.leave.length > 0 ? `; left: ${r.leave.map((l) => `${l.targetId} (to ${l.deploymentId})`).join(', ')}` : ''}`,
    );
  }
  for (const w of detail.waves) {
    const bake = w.bake
      ? `  bake ${w.bake.phase} ${w.bake.dataPoints}/${w.bake.minDataPoints} data points (${w.bake.verdict})`
      : '';
    lines.push(`  ${w.name.padEnd(14)} ${w.status.padEnd(12)}${bake}`);
    if (w.bake?.note) lines.push(`      ${w.bake.note}`);
    for (const t of w.targets)
      lines.push(`      ${t.targetId.padEnd(14)} ${t.status.padEnd(16)} ${t.weight}%`);
    for (const b of w.blocked?.blockers ?? []) lines.push(`      blocked by ${b.id}: ${b.description}`);
  }
  const recent = detail.events.slice(-5);
  if (recent.length > 0) {
    lines.push('  latest events:');
    for (const e of recent) lines.push(`    [${e.at.slice(0, 16).replace('T', ' ')}] ${e.message}`);
  }
  return lines.join('\n');
}

/** The options every command that calls the API takes (endpoint, token, signing, who, --json). */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'the API URL (env BREAKWATER_ENDPOINT)')
    .option('--token <token>', 'the local control plane token (env BREAKWATER_TOKEN)')
    .option('--region <region>', 'AWS region for SigV4 signing; default: from the execute-api host')
    .option('--sigv4', 'sign with SigV4 even if the endpoint is not an execute-api host (custom domain)')
    .option('--as <name>', 'who is acting (default: $USER)')
    .option('--json', 'print the API response as JSON');
}

/**
 * `status`, `start`, `stop`, `rollback`, `block`, `unblock`, `override`, `veto`, `unveto`, `vetoes`:
 * the HTTP API from the command line.
 */
export function registerClientCommands(program: Command): void {
  const connection = withConnectionOptions;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const print = (flags: ConnectionFlags, value: unknown, human: string) => {
    out(flags.json ? JSON.stringify(value ?? {}, null, 2) : human);
  };

  connection(
    program
      .command('status <deploymentId>')
      .description('Show a deployment: waves, targets, bakes, latest events.'),
  ).action(async (id: string, flags: ConnectionFlags) => {
    const detail = await clientFromFlags(flags).status(id);
    print(flags, detail, renderStatus(detail));
  });

  connection(
    program
      .command('start <pipeline>')
      .description('Start a deployment of a change through a pipeline.')
      .requiredOption('--change <id>', 'the change: a commit sha or build id')
      .option('--version <n>', 'the published Lambda version to deploy (versions artifacts)')
      .option('--description <text>', 'what the change is'),
  ).action(
    async (
      pipeline: string,
      flags: ConnectionFlags & { change: string; version?: string; description?: string },
    ) => {
      const by = personFromFlags(flags);
      const version = flags.version !== undefined ? parseVersion(flags.version) : undefined;
      const client = clientFromFlags(flags);
      const started = await client.start(pipeline, {
        changeId: flags.change,
        by,
        ...(version !== undefined ? { version } : {}),
        ...(flags.description !== undefined ? { description: flags.description } : {}),
      });
      print(
        flags,
        started,
        `Started deployment ${started.deploymentId} of ${pipeline} (change ${flags.change}).\nFollow it: breakwater status ${started.deploymentId}`,
      );
    },
  );

  connection(
    program
      .command('stop <deploymentId>')
      .description('Stop a deployment: every target carrying the new version rolls back.')
      .option('--reason <text>', 'why (recorded on the timeline)'),
  ).action(async (id: string, flags: ConnectionFlags & { reason?: string }) => {
    const reason = requireReason(flags.reason, 'stop');
    const by = personFromFlags(flags);
    const record = await clientFromFlags(flags).stop(id, { by, reason });
    print(
      flags,
      record,
      `Stop requested for ${id} by ${by}: it rolls back at its next step (status now ${record.status}).`,
    );
  });

  connection(
    program
      .command('rollback <deploymentId>')
      .description(
        'Roll back a release that had succeeded: every target it moved back to the version it served before (never held by blockers).',
      )
      .option('--reason <text>', 'why (recorded on the timeline)')
      .option(
        '--mode <mode>',
        'fast (every target at once) | reverse-waves (last wave first, bake between)',
        'fast',
      )
      .option(
        '--force',
        'roll back the other targets even though a newer deployment changed some (name them with --leave)',
      )
      .option('--leave <targets>', 'with --force: comma-separated targets to leave as they are'),
  ).action(
    async (
      id: string,
      flags: ConnectionFlags & { reason?: string; mode: string; force?: boolean; leave?: string },
    ) => {
      const reason = requireReason(flags.reason, 'rollback');
      const mode = parseRollbackMode(flags.mode);
      const leave = flags.leave
        ?.split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (leave && !flags.force) {
        throw new InvalidInputError('rollback', [
          {
            path: '--leave',
            message: 'only counts with --force (it names the targets a forced rollback leaves)',
          },
        ]);
      }
      const by = personFromFlags(flags);
      let started: { deployment: DeploymentRecord; executionArn: string };
      try {
        started = await clientFromFlags(flags).rollback(id, {
          by,
          reason,
          mode,
          ...(flags.force ? { force: true } : {}),
          ...(leave ? { leave } : {}),
        });
      } catch (error) {
        throw withLeaveHint(error);
      }
      const left = started.deployment.releaseRollback?.leave ?? [];
      print(
        flags,
        started,
        `Rolling back release ${id} (${mode === 'fast' ? 'every wave at once' : 'last wave first, bake between'}${left.length > 0 ? `, leaving ${left.map((l) => l.targetId).join(', ')}` : ''}), requested by ${by}.\nFollow it: breakwater status ${id}`,
      );
    },
  );

  connection(
    program
      .command('block')
      .description('Hold waves before they start: everything, a pipeline, a wave or a target.')
      .option(
        '--scope <scope>',
        'global | pipeline:<name> | wave:<pipeline>/<wave> | target:<pipeline>/<target>',
      )
      .option('--reason <text>', 'why (shown to everyone the block holds)')
      .option('--expires <iso>', 'when the block lapses by itself (ISO 8601 with a zone)'),
  ).action(async (flags: ConnectionFlags & { scope?: string; reason?: string; expires?: string }) => {
    if (!flags.scope) {
      throw new InvalidInputError('block', [
        {
          path: '--scope',
          message: 'expected global, pipeline:<name>, wave:<pipeline>/<wave> or target:<pipeline>/<target>',
        },
      ]);
    }
    const scope = parseBlockScope(flags.scope);
    const reason = requireReason(flags.reason, 'block');
    const expiresAt = flags.expires !== undefined ? parseExpires(flags.expires) : undefined;
    const by = personFromFlags(flags);
    const blocker = await clientFromFlags(flags).block({
      scope,
      reason,
      by,
      ...(expiresAt ? { expiresAt } : {}),
    });
    print(
      flags,
      blocker,
      `Blocker ${blocker.id} added (${flags.scope}${blocker.expiresAt ? `, until ${blocker.expiresAt}` : ''}). Remove it: breakwater unblock ${blocker.id}`,
    );
  });

  connection(program.command('unblock <blockerId>').description('Remove a manual blocker.')).action(
    async (id: string, flags: ConnectionFlags) => {
      await clientFromFlags(flags).unblock(id);
      print(flags, { removed: id }, `Blocker ${id} removed.`);
    },
  );

  connection(
    program
      .command('override <deploymentId> <blockerId>')
      .description(
        'Let one deployment go ahead despite one blocker (alarm:<name>, window or manual:<id>); recorded.',
      )
      .option('--reason <text>', 'why (recorded on the timeline)')
      .option('--fixes-alarm', 'this change ships the fix for the alarm (required for alarm blockers)'),
  ).action(
    async (
      deploymentId: string,
      blockerId: string,
      flags: ConnectionFlags & { reason?: string; fixesAlarm?: boolean },
    ) => {
      const reason = requireReason(flags.reason, 'override');
      const by = personFromFlags(flags);
      const record = await clientFromFlags(flags).override(deploymentId, {
        blockerId,
        by,
        reason,
        ...(flags.fixesAlarm ? { fixesAlarm: true } : {}),
      });
      print(flags, record, `Override of ${blockerId} recorded for ${deploymentId} by ${by}.`);
    },
  );

  const trigger = program
    .command('trigger')
    .description(
      'Send the local control plane the event a source would: what EventBridge or a webhook does on AWS.',
    );
  connection(
    trigger
      .command('codecommit')
      .description(
        'A push to a CodeCommit branch (`breakwater serve` only): the "CodeCommit Repository State Change" event EventBridge delivers, to the same handler.',
      )
      .option('--repository <name>', 'the CodeCommit repository')
      .option('--branch <name>', 'the branch that moved')
      .option('--commit <id>', 'the commit it moved to')
      .option('--account <id>', 'the account the event comes from', '123456789012')
      .option('--source-region <region>', 'the region the event comes from', 'us-east-1'),
  ).action(
    async (
      flags: ConnectionFlags & {
        repository?: string;
        branch?: string;
        commit?: string;
        account?: string;
        sourceRegion?: string;
      },
    ) => {
      const by = personFromFlags(flags);
      const event = codeCommitPushEvent({ ...flags, by }, { id: randomUUID(), nowMs: systemClock.nowMs() });
      const answer = await clientFromFlags(flags).triggerCodeCommit(event);
      const { text, started } = renderCodeCommitTrigger(answer);
      if (flags.json) out(JSON.stringify(answer, null, 2));
      else if (started) out(text);
      else process.stderr.write(`${text}\n`);
      // Nothing started is a failure for a script that meant to deploy.
      if (!started) process.exitCode = 1;
    },
  );

  connection(
    program
      .command('veto <pipeline> <change>')
      .description(
        'Mark a change bad: its running deployments roll back, and it does not start again (push or by hand) until the veto is lifted.',
      )
      .option('--reason <text>', 'why (recorded, and named in the rollback and every refusal)'),
  ).action(async (pipeline: string, change: string, flags: ConnectionFlags & { reason?: string }) => {
    const reason = requireReason(flags.reason, 'veto');
    const by = personFromFlags(flags);
    const result = await clientFromFlags(flags).veto(pipeline, change, { by, reason });
    print(flags, result, renderVetoResult(result, 'vetoed'));
  });

  connection(
    program
      .command('unveto <pipeline> <change>')
      .description('Lift the veto of a change (recorded): it may start again; rollbacks it began stay.')
      .option('--reason <text>', 'why the change is good after all (recorded)'),
  ).action(async (pipeline: string, change: string, flags: ConnectionFlags & { reason?: string }) => {
    const reason = requireReason(flags.reason, 'unveto');
    const by = personFromFlags(flags);
    const result = await clientFromFlags(flags).liftVeto(pipeline, change, { by, reason });
    print(flags, result, renderVetoResult(result, 'lifted'));
  });

  connection(
    program
      .command('vetoes <pipeline>')
      .description('List the changes of a pipeline ever vetoed, in force or lifted.'),
  ).action(async (pipeline: string, flags: ConnectionFlags) => {
    const { items } = await clientFromFlags(flags).listVetoes(pipeline);
    const human =
      items.length === 0
        ? `No change of ${pipeline} was ever vetoed.`
        : items
            .map((v) =>
              v.status === 'vetoed'
                ? `${v.changeId}  VETOED by ${v.vetoed.by} at ${v.vetoed.at}: ${v.vetoed.reason}`
                : `${v.changeId}  lifted by ${v.lifted?.by} at ${v.lifted?.at}: ${v.lifted?.reason} (vetoed by ${v.vetoed.by}: ${v.vetoed.reason})`,
            )
            .join('\n');
    print(flags, { items }, human);
  });
}
