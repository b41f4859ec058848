import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '@latchkey/shared-kernel';

export interface RequestContext {
  requestId: string;
  /** The request's child logger: every line it writes carries `requestId`. */
  log: FastifyBaseLogger;
  ip: string;
  userAgent: string | undefined;
  /** Run once the response has been sent (background work that must not delay or shape it). */
  afterResponse: (() => void)[];
  /**
   * Work the response waits for once the handler is done (a process installs
   * `awaitWorkBeforeResponse`): the user service's claims push, which must reach the auth
   * service before the client can log in again, yet only after the change committed.
   */
  beforeResponse?: Promise<unknown>[];
  /**
   * In a service of the services deployment: the end user the gateway authenticated, from the
   * verified internal token, with the hash of the access token it was read from.
   */
  vouched?: { principal: Principal; ath: string };
  /** In a service of the services deployment: who sent the request (its verified internal token). */
  internalCaller?: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
