import * as z from 'zod';
import { PipelineSchema } from '../core/pipeline.js';
import { StartRequestSchema } from '../core/start-request.js';
import { scenarioJsonSchema } from '../local/scenario.js';

/** The JSON Schemas of the documents users write, generated from the zod schemas the code uses. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'pipeline.schema.json': z.toJSONSchema(PipelineSchema, { io: 'input', unrepresentable: 'any' }),
    'scenario.schema.json': scenarioJsonSchema(),
    'start-request.schema.json': z.toJSONSchema(StartRequestSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
