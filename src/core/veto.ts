/*
 * Marking a change bad (a veto): what it does to each deployment of the change, and the words
 * people read about it. Pure: the API, the triggers and the workflow steps apply these.
 */

/** Who vetoed (or lifted a veto), why and when. */
export interface VetoDecision {
  readonly by: string;
  readonly reason: string;
  readonly at: string;
}

/**
 * What a veto does to one deployment of the vetoed change, by its status: a running one rolls
 * back (waiting, held or moving traffic alike: a rollback of a deployment that moved nothing
 * moves nothing); any other is only marked — one rolling back already keeps its own reason, and
 * an ended one is history the delivery metrics read.
 *
 * @example vetoEffect('running') // 'roll-back'
 */
export function vetoEffect(status: string): 'roll-back' | 'mark' {
  return status === 'running' ? 'roll-back' : 'mark';
}

/** Whether a veto copied onto a deployment is in force (present, and not lifted). */
export function isVetoInForce(veto: { readonly by: string; readonly lifted?: unknown } | undefined): boolean {
  return veto !== undefined && veto.lifted === undefined;
}

/**
 * The sentence that says a change is vetoed: who, when and why.
 *
 * @example describeVeto('abc123', { by: 'alice', reason: 'corrupts carts', at: '2026-12-07T10:00:00.000Z' })
 * // 'change abc123 was vetoed by alice at 2026-12-07T10:00:00.000Z: corrupts carts'
 */
export function describeVeto(changeId: string, veto: VetoDecision): string {
  return `change ${changeId} was vetoed by ${veto.by} at ${veto.at}: ${veto.reason}`;
}

/**
 * How to lift a veto, for messages that refuse a vetoed change.
 *
 * @example liftHint('payments', 'abc123')
 * // 'lift the veto first: POST /pipelines/payments/changes/abc123/veto/lift (breakwater unveto payments abc123)'
 */
export function liftHint(pipelineName: string, changeId: string): string {
  return (
    `lift the veto first: POST /pipelines/${encodeURIComponent(pipelineName)}/changes/${encodeURIComponent(changeId)}/veto/lift ` +
    `(breakwater unveto ${pipelineName} ${changeId})`
  );
}

/**
 * Why a vetoed change may not start (a trigger's skip reason, a hand start's 409).
 *
 * @example refusalOfVetoedChange('payments', 'abc123', veto)
 */
export function refusalOfVetoedChange(pipelineName: string, changeId: string, veto: VetoDecision): string {
  return `${describeVeto(changeId, veto)}; it does not start on pipeline ${pipelineName}: ${liftHint(pipelineName, changeId)}`;
}
