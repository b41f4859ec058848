import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger } from 'fastify';

export interface RequestContext {
  requestId: string;
  /** The request's child logger: every line it writes carries `requestId`. */
  log: FastifyBaseLogger;
  ip: string;
  userAgent: string | undefined;
  /** Run once the response has been sent (background work that must not delay or shape it). */
  afterResponse: (() => void)[];
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
