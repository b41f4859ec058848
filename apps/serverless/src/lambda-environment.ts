import awsLambdaFastify from '@fastify/aws-lambda';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from 'pino';
import { type ApiConfig, createApp, type LatchkeyApp } from '@latchkey/api';
import { type Database, DeferredWork, RedisConnection } from '@latchkey/platform';
import { EventRelay, OutboxDispatcher } from '@latchkey/platform-messaging';
import type { Clock } from '@latchkey/shared-kernel';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** How long an invocation waits for a Redis connection that is not up (then the fail mode applies). */
const REDIS_READY_MS = 500;
/** How long an init waits for its first database connection and for Redis. */
const INIT_CONNECT_MS = 2_000;

/**
 * One Lambda execution environment: the monolith's application (both modules, the same pipeline:
 * request ids, security headers, CORS, cookies, ErrorResponses) and its database pool, made once at
 * init and reused by every invocation it serves, one at a time. API Gateway's payload 2.0 events
 * reach Fastify through @fastify/aws-lambda (Fastify's own adapter: the request is injected, no
 * socket), which takes the client's address from `requestContext.http.sourceIp` and maps the
 * `cookies` array in and `Set-Cookie` out.
 *
 * What a request starts after its answer (mail, events, the deferred work of DeferredWork) is done
 * by `settle()` after the response has left and before the environment takes its next request:
 * Lambda freezes an environment between invocations, so work left on a timer would wait for the
 * next request, or for ever. On AWS the internal extension (after-response.ts) runs it; the local
 * harness, after writing the response.
 */
export class LambdaEnvironment {
  private readonly proxy: (event: HttpEvent, context?: Context) => Promise<HttpResult>;
  private readonly relays: Array<{ nudge(): void; idle(): Promise<void> }>;

  private constructor(readonly latchkey: LatchkeyApp) {
    this.proxy = awsLambdaFastify(latchkey.fastify, {
      // Nothing here reads the raw event from the request, and the library's request decoration
      // costs a random token and a map entry per invocation.
      decorateRequest: false,
      serializeLambdaArguments: false,
    }) as unknown as (event: HttpEvent, context?: Context) => Promise<HttpResult>;
    // The event relay exists only where a broker or bus is configured.
    const optional = <T>(token: abstract new (...args: never[]) => T): T[] => {
      try {
        const found = latchkey.app.get(token, { strict: false }) as T | null;
        return found ? [found] : [];
      } catch {
        return [];
      }
    };
    this.relays = [...optional(OutboxDispatcher), ...optional(EventRelay)];
  }

  static async create(options: {
    config: ApiConfig;
    logger?: Logger;
    /** Shared by tests that own the database; otherwise this environment opens its own pool. */
    database?: Database;
    clock?: Clock;
  }): Promise<LambdaEnvironment> {
    const environment = new LambdaEnvironment(await createApp(options));
    // The first request comes at once: its connections are opened here, in the init, rather than
    // by it (Redis is still connecting, and a rate limit would meet RATE_LIMIT_FAIL_MODE; the pool
    // has no connection yet). Neither failing fails the init: readiness and the fail mode report it.
    await Promise.all([
      environment.redis.ready(INIT_CONNECT_MS),
      environment.latchkey.database.ping(INIT_CONNECT_MS).catch(() => undefined),
    ]);
    return environment;
  }

  private get redis(): RedisConnection {
    return this.latchkey.app.get(RedisConnection, { strict: false });
  }

  /**
   * One API Gateway HTTP API invocation (payload format 2.0). After a freeze Redis may be
   * reconnecting (its server or a NAT dropped the idle connection): the request waits for it a
   * moment rather than meet RATE_LIMIT_FAIL_MODE at once.
   */
  async handle(event: HttpEvent, context?: Context): Promise<HttpResult> {
    await this.redis.ready(REDIS_READY_MS);
    return this.proxy(event, context);
  }

  /**
   * After an invocation's response: the work it started (DeferredWork), then one pass of each
   * outbox relay it nudged (a relay not nudged has nothing running and returns at once).
   */
  async settle(): Promise<void> {
    await this.latchkey.app.get(DeferredWork).idle();
    await Promise.all(this.relays.map((relay) => relay.idle()));
  }

  /** A pass of each relay now (the scheduled relay: retries that fell due while no request came). */
  nudgeRelays(): void {
    for (const relay of this.relays) relay.nudge();
  }

  /** The environment's shutdown (Lambda's SHUTDOWN, or the harness retiring it). */
  async close(): Promise<void> {
    await this.settle();
    await this.latchkey.close();
  }
}
