/**
 * `breakwater`: what a pipeline or scenario file imports. `definePipeline` types a pipeline in
 * the editor; the zod schemas are the ones `breakwater validate` and the control plane's API
 * apply (their JSON Schema form is in docs/schema/). The CDK constructs are in `breakwater/cdk`.
 *
 * @example
 * import { definePipeline } from 'breakwater';
 * export default definePipeline({ name: 'payments-api', source: { type: 'manual' }, ... });
 */
import type { ScenarioInput } from './local/scenario.js';

export {
  type Alarms,
  AlarmsSchema,
  type Artifact,
  ArtifactSchema,
  type Bake,
  BakeSchema,
  definePipeline,
  type Hook,
  HookSchema,
  type Pipeline,
  type PipelineInput,
  PipelineSchema,
  type ResolvedPipeline,
  type ResolvedWave,
  resolvePipeline,
  type Source,
  SourceSchema,
  type Target,
  TargetSchema,
  WaveSchema,
  type WaveSettings,
  WaveSettingsSchema,
} from './core/pipeline.js';
export {
  type Behaviour,
  type MetricNoise,
  type Scenario,
  type ScenarioHook,
  type ScenarioInput,
  ScenarioSchema,
} from './local/scenario.js';

/** A scenario for `breakwater simulate --scenario`: typed in the editor, returned unchanged. */
export function defineScenario(scenario: ScenarioInput): ScenarioInput {
  return scenario;
}
