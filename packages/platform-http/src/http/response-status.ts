import type { FastifyReply, FastifyRequest } from 'fastify';

const statusKey = Symbol('successStatus');
type WithStatus = FastifyRequest & { [statusKey]?: number };

/**
 * Nest sets a route's `@HttpCode` after the handler returns, over anything the handler set. A
 * route whose success status depends on configuration (register: 201, or 202 with
 * REGISTER_UNIFORM_RESPONSE) names it here; the pipeline applies it as the response is sent.
 */
export function successStatus(request: FastifyRequest, status: number): void {
  (request as WithStatus)[statusKey] = status;
}

export function successStatusOf(request: FastifyRequest): number | undefined {
  return (request as WithStatus)[statusKey];
}

/** onSend: error responses keep their own status. */
export function applySuccessStatus(request: FastifyRequest, reply: FastifyReply): void {
  const status = successStatusOf(request);
  if (status !== undefined && reply.statusCode < 300) void reply.code(status);
}
