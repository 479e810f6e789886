/*
 * TrafficRouter on real Lambda aliases. Weights stay fractions (0.0-1.0) as Lambda takes them;
 * the conversion from the core's percent happens above this adapter.
 */

import {
  type AliasConfiguration,
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  type UpdateFunctionCodeCommandInput,
  waitForFunctionUpdated,
  waitForPublishedVersionActive,
} from '@aws-sdk/client-lambda';
import { TransientError } from '../../core/errors.js';
import type {
  AliasRef,
  AliasState,
  AliasUpdate,
  CodeSource,
  PublishedVersion,
  TrafficRouter,
} from '../../ports/fleet.js';
import type { ClientProvider } from './clients.js';
import { type AwsCallContext, FunctionUpdateFailedError, withAwsErrors } from './errors.js';

export interface LambdaTrafficRouterOptions {
  /**
   * How long to wait for Lambda to apply a code update, and again for a newly published version
   * to become Active, before giving up with a TransientError (the Step Functions retry then
   * resumes the wait). Both waits together must end before the step Lambda's timeout
   * (functions/lib/step-timeouts.ts).
   * @default 30
   */
  readonly maxWaitSeconds?: number;
  /**
   * The SDK waiter's shortest pause between two status reads; it backs off from there, with
   * jitter, up to `maxDelaySeconds`. Code updates usually settle within seconds.
   * @default 1
   */
  readonly minDelaySeconds?: number;
  /** @default 5 */
  readonly maxDelaySeconds?: number;
}

/**
 * Moves traffic between Lambda versions behind an alias with `UpdateAlias`, guarded by the
 * alias's `RevisionId`, and publishes new versions.
 *
 * @example
 * ```ts
 * const router = new LambdaTrafficRouter(new AwsClientProvider({ homeAccount: '111111111111' }));
 * const live = { account: '111111111111', region: 'us-east-1', functionName: 'payments', alias: 'live' };
 * const before = await router.getAlias(live);
 * // Send 10 % of traffic to version 8, the rest stays on what the alias served.
 * await router.updateAlias(live, {
 *   functionVersion: before.functionVersion,
 *   additional: { version: '8', weight: 0.1 },
 *   revisionId: before.revisionId,
 * });
 * ```
 */
export class LambdaTrafficRouter implements TrafficRouter {
  readonly #clients: ClientProvider;
  readonly #waiter: { maxWaitTime: number; minDelay: number; maxDelay: number };

  constructor(clients: ClientProvider, options: LambdaTrafficRouterOptions = {}) {
    this.#clients = clients;
    this.#waiter = {
      maxWaitTime: options.maxWaitSeconds ?? 30,
      minDelay: options.minDelaySeconds ?? 1,
      maxDelay: options.maxDelaySeconds ?? 5,
    };
  }

  async getAlias(alias: AliasRef): Promise<AliasState> {
    const context = contextFor('GetAlias', alias, `${alias.functionName}:${alias.alias}`);
    const response = await withAwsErrors(context, () =>
      this.#clients
        .lambda(alias)
        .send(new GetAliasCommand({ FunctionName: alias.functionName, Name: alias.alias })),
    );
    return toAliasState(response, context);
  }

  async updateAlias(alias: AliasRef, update: AliasUpdate): Promise<AliasState> {
    const context = contextFor('UpdateAlias', alias, `${alias.functionName}:${alias.alias}`);
    const response = await withAwsErrors(context, () =>
      this.#clients.lambda(alias).send(
        new UpdateAliasCommand({
          FunctionName: alias.functionName,
          Name: alias.alias,
          FunctionVersion: update.functionVersion,
          // Lambda rejects the update with PreconditionFailedException when the alias changed
          // since we read it: two writers can never both believe they set the weights.
          RevisionId: update.revisionId,
          ...(update.description !== undefined ? { Description: update.description } : {}),
          // An empty map is how Lambda is told to drop the additional version; leaving
          // RoutingConfig out would keep whatever weights are there.
          RoutingConfig: {
            AdditionalVersionWeights:
              update.additional === null ? {} : { [update.additional.version]: update.additional.weight },
          },
        }),
      ),
    );
    return toAliasState(response, context);
  }

  async assertVersionExists(alias: AliasRef, version: string): Promise<void> {
    const context = contextFor('GetFunctionConfiguration', alias, `${alias.functionName} version ${version}`);
    await withAwsErrors(context, () =>
      this.#clients
        .lambda(alias)
        .send(new GetFunctionConfigurationCommand({ FunctionName: alias.functionName, Qualifier: version })),
    );
  }

  async publishVersion(
    alias: AliasRef,
    request: { readonly code?: CodeSource; readonly description: string },
  ): Promise<PublishedVersion> {
    const codeSha256 = request.code === undefined ? undefined : await this.#updateCode(alias, request.code);
    const context = contextFor('PublishVersion', alias, alias.functionName);
    // PublishVersion is idempotent on AWS: when neither code nor configuration changed since the
    // last published version, Lambda returns that version instead of creating a new one. A
    // Step Functions retry of this step therefore lands on the same version.
    // CodeSha256 makes Lambda refuse to publish if someone else changed the code after our update.
    const response = await withAwsErrors(context, () =>
      this.#clients.lambda(alias).send(
        new PublishVersionCommand({
          FunctionName: alias.functionName,
          Description: request.description,
          ...(codeSha256 === undefined ? {} : { CodeSha256: codeSha256 }),
        }),
      ),
    );
    if (response.Version === undefined || response.CodeSha256 === undefined) {
      throw new Error(`${describeCall(context)} returned no Version or CodeSha256`);
    }
    if (response.State !== 'Active') await this.#waitForVersion(alias, response.Version);
    return { version: response.Version, codeSha256: response.CodeSha256 };
  }

  /** Replaces $LATEST's code, waits until Lambda has applied it, and returns its hash. */
  async #updateCode(alias: AliasRef, code: CodeSource): Promise<string> {
    const location: Omit<UpdateFunctionCodeCommandInput, 'FunctionName'> =
      'imageUri' in code ? { ImageUri: code.imageUri } : { S3Bucket: code.s3Bucket, S3Key: code.s3Key };
    const context = contextFor('UpdateFunctionCode', alias, alias.functionName);
    const response = await withAwsErrors(context, () =>
      this.#clients
        .lambda(alias)
        .send(new UpdateFunctionCodeCommand({ FunctionName: alias.functionName, ...location })),
    );
    if (response.CodeSha256 === undefined) {
      throw new Error(`${describeCall(context)} returned no CodeSha256`);
    }
    await this.#waitForUpdate(alias, response);
    return response.CodeSha256;
  }

  /**
   * Publishing while an update is InProgress fails, and publishing after a Failed update would
   * publish the old code: wait for Successful first, with the SDK's waiter. (Its V2 reads
   * GetFunction, which the target role does not grant and which also hands out a download URL
   * of the code; this one reads GetFunctionConfiguration, as the rest of the adapter does.)
   */
  async #waitForUpdate(alias: AliasRef, afterUpdate: FunctionConfiguration): Promise<void> {
    if (afterUpdate.LastUpdateStatus === 'Successful') return;
    const what = `The code update of ${alias.functionName} in ${alias.region}`;
    const result = await waitForFunctionUpdated(
      { client: this.#clients.lambda(alias), ...this.#waiter },
      { FunctionName: alias.functionName },
    );
    if (result.state === 'SUCCESS') return;
    if (result.state === 'FAILURE') {
      const configuration = result.reason as FunctionConfiguration;
      throw new FunctionUpdateFailedError(
        `${what} failed: ${configuration.LastUpdateStatusReason ?? 'Lambda gave no reason'}` +
          ` (${configuration.LastUpdateStatusReasonCode ?? 'no reason code'})`,
      );
    }
    throw this.#stillWaiting(`${what} has not finished`, result);
  }

  /**
   * A version published while the function is still being optimised (SnapStart, a new VPC
   * configuration) is Pending; routing traffic to it before it is Active fails invocations.
   */
  async #waitForVersion(alias: AliasRef, version: string): Promise<void> {
    const what = `Version ${version} of ${alias.functionName} in ${alias.region}`;
    const result = await waitForPublishedVersionActive(
      { client: this.#clients.lambda(alias), ...this.#waiter },
      { FunctionName: alias.functionName, Qualifier: version },
    );
    if (result.state === 'SUCCESS') return;
    if (result.state === 'FAILURE') {
      const configuration = result.reason as FunctionConfiguration;
      throw new FunctionUpdateFailedError(
        `${what} did not become Active: ${configuration.StateReason ?? 'Lambda gave no reason'}` +
          ` (${configuration.StateReasonCode ?? 'no reason code'})`,
      );
    }
    throw this.#stillWaiting(`${what} is not Active yet`, result);
  }

  /** The waiter ran out of time: retryable, saying what Lambda answered meanwhile. */
  #stillWaiting(what: string, result: { observedResponses?: Record<string, number> }): TransientError {
    const observed = Object.entries(result.observedResponses ?? {})
      .map(([response, count]) => `${count}× ${response.slice(0, 200)}`)
      .join('; ');
    return new TransientError(
      `${what} after ${this.#waiter.maxWaitTime} s${observed === '' ? '' : ` (Lambda answered: ${observed})`}`,
    );
  }
}

function contextFor(operation: string, alias: AliasRef, resource: string): AwsCallContext {
  return { operation, resource, region: alias.region, account: alias.account };
}

function describeCall(context: AwsCallContext): string {
  return `${context.operation} ${context.resource} in ${context.region}`;
}

function toAliasState(response: AliasConfiguration, context: AwsCallContext): AliasState {
  if (response.FunctionVersion === undefined || response.RevisionId === undefined) {
    throw new Error(`${describeCall(context)} returned no FunctionVersion or RevisionId`);
  }
  // Lambda allows at most one additional version, so the first entry is the only one.
  const [entry] = Object.entries(response.RoutingConfig?.AdditionalVersionWeights ?? {});
  return {
    functionVersion: response.FunctionVersion,
    additional: entry === undefined ? null : { version: entry[0], weight: entry[1] },
    revisionId: response.RevisionId,
  };
}
