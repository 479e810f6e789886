import type { Target } from './pipeline.js';

/*
 * Small helpers about targets that the step Lambdas need at run time. Kept apart from the
 * pipeline schema so a step's bundle does not carry zod's schemas and the holiday calendars.
 */

/** Expands `{target.id}`-style placeholders in an alarm name for one target of a wave. */
export function expandAlarmName(template: string, target: Target, waveName: string): string {
  return template.replace(
    /\{(target\.(id|region|cell|functionName|alias|account)|wave)\}/g,
    (_m, _all, field) => {
      if (field === undefined) return waveName;
      const value = target[field as keyof Target];
      return value === undefined ? '' : String(value);
    },
  );
}

/** A stable key for the alias a target deploys to: the unit of locking. */
export function aliasKey(t: Pick<Target, 'account' | 'region' | 'functionName' | 'alias'>): string {
  return `${t.account}:${t.region}:${t.functionName}:${t.alias}`;
}
