import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { activeTraceHeaders } from '@latchkey/platform';
import type { AccessTokenAuthenticator } from '@latchkey/shared-kernel';
import { bearerTokenOf } from '../auth/bearer-auth.guard';
import { mapError, mapStatus } from '../errors/error-mapper';
import { sendError } from '../errors/error-response.filter';
import { API_VERSION_PREFIX } from '../http/api-version';
import { REQUEST_ID_HEADER } from '../http/request-id';
import { INTERNAL_TOKEN_HEADER, type InternalTokenIssuer } from '../internal-auth/internal-tokens';
import { PeerUnavailable } from '../internal-auth/internal-http-client';

/** A service behind the gateway and the public paths it answers. */
export interface Upstream {
  /** The service's name: the audience of the internal tokens sent to it. */
  name: string;
  url: string;
  /** Unversioned prefixes (`/users`); each is routed under `/v1` too. */
  prefixes: readonly string[];
  /**
   * The gateway checks a bearer token itself and vouches for its principal in the internal token
   * (the user service). Otherwise the service checks bearer tokens on its own (the auth service,
   * which holds the sessions).
   */
  vouchForBearer: boolean;
}

const internalTokenKey = Symbol('internalToken');
type Proxied = FastifyRequest & { [internalTokenKey]?: string };

/**
 * The gateway's routes (docs/decisions/0012-services-deployment.md): each upstream's prefixes,
 * proxied by @fastify/http-proxy (on @fastify/reply-from and undici: hop-by-hop headers, bodies
 * and aborts handled by a maintained proxy). Before a request leaves, the gateway signs an
 * internal token for it (and, for a vouching upstream, checks the bearer token and carries its
 * principal); what a client sent as an internal token or a forwarding header is replaced, never
 * passed on. A refused bearer token is answered here, as the monolith answers it.
 */
export async function proxyToUpstreams(
  fastify: FastifyInstance,
  upstreams: readonly Upstream[],
  options: { issuer: InternalTokenIssuer; authenticator: AccessTokenAuthenticator; bodyLimitBytes: number },
): Promise<void> {
  for (const upstream of upstreams) {
    const preHandler = async (request: Proxied, reply: FastifyReply) => {
      // The body streams through unread, so BODY_LIMIT is applied to its declared length here;
      // a chunked body without one is bounded by the service's own limit.
      if (Number(request.headers['content-length'] ?? 0) > options.bodyLimitBytes) {
        sendError(reply, mapStatus(413, request.id));
        return reply;
      }
      try {
        const token = upstream.vouchForBearer ? bearerTokenOf(request) : undefined;
        const principal = token === undefined ? undefined : await options.authenticator.authenticate(token);
        request[internalTokenKey] = await options.issuer.issue(
          upstream.name,
          principal && token ? { principal, accessToken: token } : undefined,
        );
      } catch (error) {
        sendError(reply, mapError(error, request.id));
        return reply;
      }
    };
    for (const prefix of upstream.prefixes) {
      for (const path of [prefix, `${API_VERSION_PREFIX}${prefix}`]) {
        await fastify.register(async (scope) => {
          // Bodies pass through unparsed (the service parses, bounds and validates them): the
          // proxy's own pass-through parser replaces the pipeline's JSON parser in this scope.
          scope.removeContentTypeParser('application/json');
          // What the proxy itself refuses (a path it will not forward) is an ErrorResponse too.
          scope.setErrorHandler((error, request, reply) => {
            const status = (error as { statusCode?: unknown }).statusCode;
            const refused = typeof status === 'number' && status >= 400 && status < 500;
            sendError(reply, refused ? mapStatus(status, request.id) : mapError(error, request.id));
          });
          await scope.register(httpProxy, {
            upstream: upstream.url,
            prefix: path,
            rewritePrefix: path,
            preHandler,
            replyOptions: {
              // An upstream that cannot be reached, or fails mid-response: the client gets the
              // ErrorResponse 503 it can retry on, never the proxy's own error body.
              onError: (reply, { error }) => {
                reply.request.log.warn(
                  { upstream: upstream.name, reason: error.message },
                  'upstream unavailable',
                );
                sendError(
                  reply as unknown as FastifyReply,
                  mapError(new PeerUnavailable(`${upstream.name}: ${error.message}`), reply.request.id),
                );
              },
              rewriteRequestHeaders: (request, headers) => ({
                ...headers,
                // The service's server span continues the gateway's (a caller's own traceparent
                // was continued by the gateway's span; without tracing it passes through as sent).
                ...activeTraceHeaders(),
                [INTERNAL_TOKEN_HEADER]: (request as Proxied)[internalTokenKey] ?? '',
                // The client as the gateway saw it (its TRUST_PROXY decides); a client's own value
                // is dropped. Services trust it from the gateway's address only.
                'x-forwarded-for': request.ip,
                [REQUEST_ID_HEADER]: request.id,
              }),
            },
          });
        });
      }
    }
  }
}
