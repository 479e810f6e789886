import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../../src/api/deps.js';
import { API_OPERATIONS, buildOpenApiDocument } from '../../../src/api/openapi.js';
import { apiRoutes } from '../../../src/handlers/api.js';

const unusedDeps = {} as ApiDeps;

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(buildOpenApiDocument());

    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('describes exactly the routes the router serves, plus the webhook served by its own handler', () => {
    const served = apiRoutes(unusedDeps).map((r) => `${r.method} ${r.path}`);
    served.push('POST /webhooks/github');
    const documented = Object.entries(buildOpenApiDocument().paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );

    expect(documented.sort()).toEqual(served.sort());
    expect(API_OPERATIONS.filter((o) => o.handler === 'github-webhook').map((o) => o.path)).toEqual([
      '/webhooks/github',
    ]);
  });

  it('generates request bodies from the zod schemas the handlers parse with', () => {
    const doc = buildOpenApiDocument() as any;
    const start = doc.components.schemas.StartDeploymentRequest;

    expect(start.required).toEqual(expect.arrayContaining(['change', 'requestedBy']));
    expect(start.additionalProperties).toBe(false);
    expect(doc.components.schemas.PipelineDocument.properties.waves.type).toBe('array');
    expect(doc.paths['/pipelines/{name}'].put.requestBody.content['application/json'].schema).toEqual({
      oneOf: [
        { $ref: '#/components/schemas/PipelineDocument' },
        { $ref: '#/components/schemas/PipelineRecord' },
      ],
    });
  });
});

describe('OpenAPI document: the deployment page’s charts', () => {
  it('documents the chart series GET /deployments/{id} returns', () => {
    interface JsonSchema {
      readonly required?: string[];
      readonly properties?: Record<string, JsonSchema>;
      readonly items?: JsonSchema;
    }
    const { schemas } = buildOpenApiDocument().components as { schemas: Record<string, JsonSchema> };
    const detail = schemas.DeploymentDetail!;
    const charts = schemas.DeploymentCharts!;

    expect(detail.required).toContain('charts');
    expect(detail.properties!.charts).toEqual({ $ref: '#/components/schemas/DeploymentCharts' });
    expect(charts.required).toEqual(expect.arrayContaining(['from', 'to', 'until', 'waves', 'targets']));
    expect(Object.keys(charts.properties!.targets!.items!.properties!)).toEqual([
      'targetId',
      'wave',
      'weights',
      'alarms',
    ]);
    expect(Object.keys(charts.properties!.waves!.items!.properties!)).toEqual(
      expect.arrayContaining(['planned', 'actual', 'holds']),
    );
  });
});
