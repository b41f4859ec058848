import { contract } from '../support/test-app';

/** What Swagger UI and generated clients need of docs/openapi.yaml beyond Redocly's lint. */
describe('docs/openapi.yaml, as rendered and generated from', () => {
  const document = contract.document as {
    paths: Record<string, Record<string, { security?: unknown[]; operationId?: string }>>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };

  it('has no schema that is only a $ref (Swagger UI shows such an alias as `any`)', () => {
    const aliases = Object.entries(document.components.schemas)
      .filter(([, schema]) => Object.keys(schema).length === 1 && '$ref' in schema)
      .map(([name]) => name);
    expect(aliases).toEqual([]);
  });

  it('states the security of every operation: bearer, the refresh cookie, or none ([])', () => {
    const unstated = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([method, operation]) => method !== 'parameters' && operation.security === undefined)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(unstated).toEqual([]);
  });
});
