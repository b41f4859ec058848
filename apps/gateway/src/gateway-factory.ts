import 'reflect-metadata';
import path from 'node:path';
import { SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { edgeAccessTokenAuthenticator, RemoteSessionAccess } from '@latchkey/identity';
import { createLogger } from '@latchkey/platform';
import {
  createHttpApp,
  type HttpApp,
  INTERNAL_TOKEN_HEADER,
  InternalHttpClient,
  InternalTokenIssuer,
  OpenApiSpec,
  proxyToUpstreams,
  serveDevAccountPages,
  type Upstream,
} from '@latchkey/platform-http';
import { Clock, SystemClock } from '@latchkey/shared-kernel';
import { GatewayModule } from './gateway.module';
import type { GatewayConfig } from './gateway-config';

export const OPENAPI_SPEC_FILE = path.resolve(__dirname, '..', '..', '..', 'docs', 'openapi.yaml');

/** Which service answers which public paths (each also under /v1). */
export function upstreamsOf(config: GatewayConfig): Upstream[] {
  return [
    {
      name: 'user-service',
      url: config.links.userServiceUrl,
      // The slug check sits under /auth in the contract, but organizations are the user service's.
      prefixes: ['/users', '/organizations', '/auth/organizations'],
      vouchForBearer: true,
    },
    {
      name: 'auth-service',
      url: config.links.authServiceUrl,
      prefixes: ['/auth', '/jwks', '/.well-known'],
      vouchForBearer: false,
    },
  ];
}

export interface Gateway extends HttpApp {
  /** The services it routes to, and which paths. */
  upstreams: Upstream[];
  close(): Promise<void>;
}

/** Builds the gateway: used by main.ts and by the services target of the black-box suites. */
export async function createGateway(options: {
  config: GatewayConfig;
  logger?: Logger;
  clock?: Clock;
}): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.platform.log.level);
  const clock = options.clock ?? new SystemClock();
  const spec = OpenApiSpec.load(OPENAPI_SPEC_FILE);
  const upstreams = upstreamsOf(config);
  const http = await createHttpApp({
    config: config.platform,
    logger,
    rootModule: GatewayModule.register({ config, upstreams, spec, clock }),
    configure: async ({ app, fastify, routes }) => {
      const issuer = app.get(InternalTokenIssuer);
      const auth = new InternalHttpClient(config.links.authServiceUrl, 'auth-service', issuer);
      const authenticator = edgeAccessTokenAuthenticator({
        jwks: {
          url: new URL('/jwks', config.links.authServiceUrl).toString(),
          minTtlSeconds: 1,
          maxTtlSeconds: config.tokens.jwksMaxAgeSeconds,
          refetchIntervalSeconds: 5,
          timeoutMs: 2_000,
        },
        // The auth service answers its peers only: the key set too is fetched with a token.
        fetchJwks: async (url, init) =>
          fetch(url, {
            ...init,
            headers: { ...init.headers, [INTERNAL_TOKEN_HEADER]: await issuer.issue('auth-service') },
          }),
        sessions: new RemoteSessionAccess(auth),
        issuer: config.tokens.issuer,
        audience: config.tokens.audience,
        clock,
      });
      await proxyToUpstreams(fastify, upstreams, {
        issuer,
        authenticator,
        bodyLimitBytes: config.platform.http.bodyLimitBytes,
      });
      // The public origin serves the development pages the emails link to (APP_BASE_URL unset).
      if (config.platform.mail.devPages) serveDevAccountPages(fastify, routes, config.platform.mail);
      SwaggerModule.setup('docs', app, spec.document as never, {
        raw: false,
        ui: true,
        customSiteTitle: 'Latchkey API',
      });
    },
  });
  return { ...http, upstreams, close: () => http.app.close() };
}
