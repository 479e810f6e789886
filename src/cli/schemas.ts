import * as z from 'zod';
import { PipelineSchema } from '../core/pipeline.js';
import { scenarioJsonSchema } from '../local/scenario.js';
import { StartRequestSchema } from '../workflow/inputs.js';

/** The JSON Schemas of the documents users write, generated from the zod schemas the code uses. */
export function jsonSchemas(): Record<string, unknown> {
  return {
    'pipeline.schema.json': z.toJSONSchema(PipelineSchema, { io: 'input', unrepresentable: 'any' }),
    'scenario.schema.json': scenarioJsonSchema(),
    'start-request.schema.json': z.toJSONSchema(StartRequestSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
