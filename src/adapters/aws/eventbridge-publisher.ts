import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../../core/errors.js';
import type { DeploymentEventPublisher, DeploymentStateChange } from '../../ports/events.js';
import { withAwsErrors } from './errors.js';

export const DEPLOYMENT_STATE_CHANGE = 'Breakwater Deployment State Change';

/**
 * Publishes deployment state changes to an EventBridge bus, one PutEvents entry per change.
 *
 * @example new EventBridgePublisher({ client: new EventBridgeClient({}), busName: 'default', source: 'breakwater' })
 */
export class EventBridgePublisher implements DeploymentEventPublisher {
  constructor(
    private readonly options: {
      readonly client: Pick<EventBridgeClient, 'send'>;
      readonly busName: string;
      readonly source: string;
    },
  ) {}

  async publish(change: DeploymentStateChange): Promise<void> {
    const out = await withAwsErrors(
      { operation: 'PutEvents', resource: this.options.busName, region: 'home' },
      () =>
        this.options.client.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: this.options.busName,
                Source: this.options.source,
                DetailType: DEPLOYMENT_STATE_CHANGE,
                Detail: JSON.stringify(change),
                Time: new Date(Date.parse(change.at)),
                Resources: [],
              },
            ],
          }),
        ),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.find((e) => e.ErrorCode);
      // PutEvents reports per-entry failures in a 200 answer: retry them like a throttle.
      throw new TransientError(
        `PutEvents to ${this.options.busName} failed: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
