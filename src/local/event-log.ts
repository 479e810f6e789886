import { appendFileSync } from 'node:fs';
import { DEPLOYMENT_STATE_CHANGE } from '../adapters/aws/eventbridge-publisher.js';
import {
  DEPLOYMENT_EVENT_SOURCE,
  type DeploymentEventPublisher,
  type DeploymentStateChange,
} from '../ports/events.js';

/** One line of the event log: a deployment state change as EventBridge delivers it to a target. */
export interface LoggedStateChange {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: DeploymentStateChange;
}

/** A state change in EventBridge's delivered shape (what a rule's target receives). */
export function asDeliveredEvent(detail: DeploymentStateChange): LoggedStateChange {
  return { source: DEPLOYMENT_EVENT_SOURCE, 'detail-type': DEPLOYMENT_STATE_CHANGE, time: detail.at, detail };
}

/**
 * Publishes deployment state changes on the embedded control plane by appending each, as one JSON
 * line in EventBridge's delivered shape, to a file (`<data>/events.jsonl` for `serve`), so a team
 * can test its own consumers with `tail -f`. Written synchronously, before the timeline event (as
 * on AWS: at least once; consumers deduplicate on `detail.key`).
 */
export class JsonLinesPublisher implements DeploymentEventPublisher {
  constructor(private readonly file: string) {}

  async publish(change: DeploymentStateChange): Promise<void> {
    appendFileSync(this.file, `${JSON.stringify(asDeliveredEvent(change))}\n`);
  }
}
