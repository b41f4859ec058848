// Ceiling for GET /auth/me (and /health, /jwks): a bare Fastify server, no Nest, no database,
// verifying the API's own access tokens with jose and the API's own checks.
import { importJWK, jwtVerify } from 'jose';
import { requireFromApi } from '../lib/api-modules.mjs';

const fastify = requireFromApi('fastify');

process.once('message', async ({ jwks, issuer, audience }) => {
  const keys = new Map(
    await Promise.all(jwks.keys.map(async (jwk) => [jwk.kid, await importJWK(jwk, 'RS256')])),
  );
  const jwksBody = JSON.stringify(jwks);
  // The same pins as JoseAccessTokens.verify: RS256 only, our issuer, audience and type, a kid
  // resolved from our own keys, 30 s of leeway, the claims the API requires.
  const verifyOptions = {
    algorithms: ['RS256'],
    issuer,
    audience,
    typ: 'at+jwt',
    clockTolerance: 30,
    requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
  };

  const app = fastify({ logger: false });
  app.get('/verify', async (request, reply) => {
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme !== 'Bearer' || !token) return reply.code(401).send({ code: 'AUTHENTICATION_REQUIRED' });
    try {
      const { payload } = await jwtVerify(token, (header) => keys.get(header.kid), verifyOptions);
      return { id: payload.sub, sid: payload.sid };
    } catch {
      return reply.code(401).send({ code: 'INVALID_ACCESS_TOKEN' });
    }
  });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/jwks', async (_request, reply) => reply.type('application/json; charset=utf-8').send(jwksBody));

  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send({ type: 'ready', value: { port: app.server.address().port } });
  process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
});
