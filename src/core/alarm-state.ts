/** The states of a CloudWatch alarm (metric or composite), spelled as CloudWatch spells them. */
export const ALARM_STATE_VALUES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

export type AlarmStateValue = (typeof ALARM_STATE_VALUES)[number];
