import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '@latchkey/shared-kernel';

const MAX_USER_AGENT = 512;

export function requestMetaOf(request: FastifyRequest): RequestMeta {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
    requestId: request.id,
  };
}
