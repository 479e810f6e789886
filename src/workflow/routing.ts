import type { Routing } from '../core/alias.js';
import type { Target } from '../core/pipeline.js';
import type { AliasRef, AliasState } from '../ports/fleet.js';

/** Port weights are fractions (as in Lambda); the core speaks percent. */
export function toRouting(state: AliasState): Routing {
  return {
    primary: state.functionVersion,
    candidate: state.additional
      ? { version: state.additional.version, weight: Math.round(state.additional.weight * 10_000) / 100 }
      : null,
  };
}

export function toAdditional(routing: Routing): AliasState['additional'] {
  return routing.candidate
    ? { version: routing.candidate.version, weight: routing.candidate.weight / 100 }
    : null;
}

export function aliasRef(t: Target): AliasRef {
  return { account: t.account, region: t.region, functionName: t.functionName, alias: t.alias };
}
