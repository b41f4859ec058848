import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger } from 'fastify';

export interface RequestContext {
  requestId: string;
  /** The request's child logger: every line it writes carries `requestId`. */
  log: FastifyBaseLogger;
  ip: string;
  userAgent: string | undefined;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
