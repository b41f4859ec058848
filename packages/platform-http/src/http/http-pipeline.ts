import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  type AppConfig,
  endServerSpan,
  Metrics,
  type RequestContext,
  requestContext,
  type ServerSpan,
  startServerSpan,
  withTraceContext,
} from '@latchkey/platform';
import { mapError } from '../errors/error-mapper';
import { isHealthProbeRoute } from '../health/health-routes';
import { sendError } from '../errors/error-response.filter';
import { Forbidden, ServiceUnavailable } from '@latchkey/shared-kernel';
import { boundJsonDepth } from './json-body';
import { plainHttpWarning } from './plain-http-warning';
import { REQUEST_ID_HEADER } from './request-id';
import { applySuccessStatus } from './response-status';
import { API_SECURITY_HEADERS } from './security-headers';

const contextKey = Symbol('requestContext');
const traceKey = Symbol('traceContext');

type WithContext = FastifyRequest & { [contextKey]?: RequestContext; [traceKey]?: ServerSpan };

/** Seconds; from a cached token check (~1 ms) to an argon2 run queued behind a burst. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class CorsOriginRefused extends Forbidden {
  constructor() {
    super('Browsers on this origin may not call the API: it is not one of CORS_ORIGINS');
  }
}

class ShuttingDown extends ServiceUnavailable {
  constructor() {
    super('This instance is shutting down; retry on another', { retryAfterSeconds: 1 });
  }
}

/**
 * The HTTP concerns every route shares, in the order a request meets them: request id and
 * logging context, security headers, CORS, JSON-only bodies. Errors, Fastify's included, reach
 * the global ErrorResponseFilter through Nest's own Fastify error handler.
 */
export async function configureHttpPipeline(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  // Graceful shutdown: once closing, a request that arrives on a kept-alive socket is not
  // started; it gets 503 with Connection: close, which tells the client it did not run.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  const warnPlainHttp = plainHttpWarning(config, fastify.log);
  const durations = app
    .get(Metrics)
    .histogram(
      'latchkey_http_request_duration_seconds',
      'Time to answer a request, by route template (unmatched: no route) and status class',
      DURATION_BUCKETS,
      ['method', 'route', 'status_class'],
    );
  fastify.addHook('onRequest', (request: WithContext, reply, done) => {
    void reply.headers(API_SECURITY_HEADERS).header(REQUEST_ID_HEADER, request.id);
    warnPlainHttp?.(request);
    if (closing) {
      void reply.header('connection', 'close');
      return sendError(reply, mapError(new ShuttingDown(), request.id));
    }
    // The server span (a no-op without tracing), continuing the caller's trace. It carries the
    // request id that ErrorResponse.traceId and the logs show. Entered below with the request's
    // logging context, and again before the handler (see preHandler).
    const route = request.routeOptions.url;
    // Probes would be most of the traces and tell nothing.
    if (route === undefined || !isHealthProbeRoute(route)) {
      request[traceKey] = startServerSpan(
        { method: request.method, route, path: request.url.split('?')[0]!, headers: request.headers },
        {
          'latchkey.request_id': request.id,
          ...(request.headers['user-agent'] ? { 'user_agent.original': request.headers['user-agent'] } : {}),
          ...(config.observability.tracing.captureClientIp ? { 'client.address': request.ip } : {}),
        },
      );
    }
    const context: RequestContext = {
      requestId: request.id,
      log: request.log,
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      afterResponse: [],
    };
    request[contextKey] = context;
    const trace = request[traceKey];
    if (trace) withTraceContext(trace.context, () => requestContext.run(context, done));
    else requestContext.run(context, done);
  });
  // Body parsing resumes on stream callbacks created outside the context, so the handler would
  // lose it; entering it again just before the handler keeps use-case logs tied to the request.
  fastify.addHook('preHandler', (request: WithContext, _reply, done) => {
    const context = request[contextKey];
    const trace = request[traceKey];
    const enter = () => (context ? requestContext.run(context, done) : done());
    if (trace) withTraceContext(trace.context, enter);
    else enter();
  });
  fastify.addHook('onResponse', (request: WithContext, reply, done) => {
    request[contextKey]?.afterResponse.splice(0).forEach((start) => start());
    const route = request.routeOptions.url ?? 'unmatched';
    durations.observe(
      { method: request.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
    const trace = request[traceKey];
    const log = () =>
      request.log.info(
        {
          method: request.method,
          route,
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    // The access line is the request's last: written in its span, which then ends.
    if (trace) {
      withTraceContext(trace.context, log);
      endServerSpan(trace.span, reply.statusCode);
    } else log();
    done();
  });

  // A client that goes away mid-request: its span still ends (onResponse never comes).
  fastify.addHook('onRequestAbort', (request: WithContext, done) => {
    const trace = request[traceKey];
    if (trace) endServerSpan(trace.span, 499);
    done();
  });

  // The server stops accepting, but a keep-alive socket that carried an in-flight request would
  // hold close() open until its idle timeout. Once closing, every response asks the client to
  // drop its connection, so close() ends with the last response.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    applySuccessStatus(request, reply);
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });

  await app.register(cors as never, {
    // Exact-origin allowlist with credentials; an unlisted origin simply gets no CORS headers.
    origin: (origin: string | undefined, callback: (error: Error | null, allow: boolean) => void) =>
      callback(null, origin !== undefined && config.http.corsOrigins.includes(origin)),
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'x-token-transport'],
    exposedHeaders: [
      'x-request-id',
      'retry-after',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ],
    maxAge: 600,
  });

  // @fastify/cors leaves a preflight from an unlisted origin to the router, which has no OPTIONS
  // route: a 404 that sent developers looking for a missing endpoint. Said plainly instead; the
  // response still carries no CORS header, so the browser refuses the real request as before.
  fastify.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'];
    if (preflight && origin !== undefined && !config.http.corsOrigins.includes(origin)) {
      return sendError(reply, mapError(new CorsOriginRefused(), request.id));
    }
    done();
  });

  await app.register(cookie as never, {});

  // JSON is the only body this API reads. Dropping text/plain also means a cross-site
  // form cannot smuggle a "simple" request body in (it gets 415).
  fastify.removeContentTypeParser('text/plain');
  boundJsonDepth(fastify);
}

/**
 * Makes every response wait for the work its request queued in `RequestContext.beforeResponse`
 * (failures are the work's own to report). Only the processes that queue such work install it:
 * an async hook on every response has a cost.
 */
export function awaitWorkBeforeResponse(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request: WithContext, _reply, payload) => {
    const pending = request[contextKey]?.beforeResponse;
    if (pending && pending.length > 0) await Promise.allSettled(pending.splice(0));
    return payload;
  });
}
