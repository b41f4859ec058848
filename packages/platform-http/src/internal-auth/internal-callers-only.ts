import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requestContext } from '@latchkey/platform';
import { mapError } from '../errors/error-mapper';
import { sendError } from '../errors/error-response.filter';
import { isHealthProbeRoute } from '../health/health-routes';
import { type InternalCall, INTERNAL_TOKEN_HEADER, type InternalTokenVerifier } from './internal-tokens';

const callKey = Symbol('internalCall');
type WithInternalCall = FastifyRequest & { [callKey]?: InternalCall };

/**
 * A service of the services deployment answers the gateway and its peers only: every request
 * but the health probes must carry a valid internal token (`latchkey-internal-token`), checked
 * when it arrives, before its body is read or any route runs; without one it gets 401 and
 * touches nothing. The verified call (the caller, and the principal the gateway authenticated)
 * is then `internalCallOf(request)`: a service reads the end user from there, never from a header
 * a client could have set.
 */
export function requireInternalCallers(fastify: FastifyInstance, verifier: InternalTokenVerifier): void {
  fastify.addHook('onRequest', async (request: WithInternalCall, reply) => {
    // By the route matched, not the raw URL: `/health/../v1/users` is no probe. A path no route
    // matches needs a token too, so a stranger cannot even map the routes.
    const route = request.routeOptions.url;
    if (route !== undefined && isHealthProbeRoute(route)) return;
    const header = request.headers[INTERNAL_TOKEN_HEADER];
    try {
      const call = await verifier.verify(typeof header === 'string' ? header : undefined);
      request[callKey] = call;
      // For VouchedPrincipalAuthenticator: the request's context (the pipeline's hook ran first).
      const context = requestContext.getStore();
      if (context) context.internalCaller = call.caller;
      if (context && call.principal && call.ath)
        context.vouched = { principal: call.principal, ath: call.ath };
    } catch (error) {
      sendError(reply, mapError(error, request.id));
      return reply;
    }
  });
}

/** The verified internal call of a request that passed `requireInternalCallers`. */
export function internalCallOf(request: FastifyRequest): InternalCall | undefined {
  return (request as WithInternalCall)[callKey];
}
