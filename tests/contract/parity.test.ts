import { TestRoutesModule } from '../../apps/api/src/testing/test-routes.module';
import { compareRoutes } from '../support/contract';
import { contract, startTestApp, type TestApp } from '../support/test-app';

describe('contract parity: served routes = documented operations', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('serves every operation in docs/openapi.yaml, and nothing the spec does not describe', () => {
    expect(
      compareRoutes(app.latchkey.routes.list(), [...contract.operations(), ...contract.aliases()]),
    ).toEqual({
      undocumented: [],
      unserved: [],
    });
  });

  it('serves each /v1 operation unversioned too; the keys, probes and docs only unversioned', () => {
    const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
    const fixed = contract.operations().filter((operation) => !operation.path.startsWith('/v1/'));
    expect(fixed.map(key)).toEqual(
      expect.arrayContaining(['GET /jwks', 'GET /.well-known/jwks.json', 'GET /health', 'GET /health/ready']),
    );
    const unversioned = app.latchkey.routes.list().filter((route) => !route.path.startsWith('/v1/'));
    expect(unversioned.map(key).sort()).toEqual([...contract.aliases(), ...fixed].map(key).sort());
    expect(contract.aliases()).toHaveLength(contract.operations().length - fixed.length);
  });

  it('reports a documented operation that is not served', () => {
    const served = app.latchkey.routes.list().filter((route) => route.path !== '/health/ready');
    expect(compareRoutes(served, [...contract.operations(), ...contract.aliases()])).toEqual({
      undocumented: [],
      unserved: ['GET /health/ready'],
    });
  });
});

describe('contract parity: a route added without a spec entry', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ extraModules: [TestRoutesModule] });
  });
  afterAll(() => app.close());

  it('fails the parity check, naming the route', () => {
    expect(
      compareRoutes(app.latchkey.routes.list(), [...contract.operations(), ...contract.aliases()]),
    ).toEqual({
      undocumented: [
        'GET /internal/debug',
        'GET /internal/slow',
        'GET /v1/internal/debug',
        'GET /v1/internal/slow',
        'POST /internal/echo',
        'POST /v1/internal/echo',
      ],
      unserved: [],
    });
  });

  it('fails response validation too: the client refuses what the spec does not describe', async () => {
    await expect(app.api.get('/internal/debug')).rejects.toThrow(/no path in the spec matches/);
  });
});
