import {
  type Attributes,
  context,
  type Context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { DomainError } from '@latchkey/shared-kernel';

/**
 * Latchkey's own spans, where the instrumented libraries see nothing (a use case, an argon2 run,
 * a signature, a relay pass). Through the OpenTelemetry API alone: with no SDK started (no
 * endpoint) every call is a no-op on a non-recording span.
 */
const tracer = trace.getTracer('latchkey');

export interface SpanOptions {
  attributes?: Attributes;
  /** A background pass starts its own trace rather than joining whatever context scheduled it. */
  root?: boolean;
}

/**
 * Runs `work` inside a span named `name`. An expected refusal (a DomainError: wrong password,
 * reused token) is the use case working, so it is recorded as `error.type` without failing the
 * span; anything else fails it. Only the error's class name is recorded: messages and stacks of
 * driver errors can quote values.
 */
export function inSpan<T>(
  name: string,
  work: (span: Span) => Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  // Inside a trace that is not recorded (sampled out), a child would not be either: every standard
  // sampler decides a child as its parent was decided (parentbased_*) or by the same trace id
  // (traceidratio). Not making it saves the sampled-out request a span, ids and a context switch.
  const parent = trace.getActiveSpan();
  if (!options.root && parent !== undefined && !parent.isRecording()) return work(parent);
  return tracer.startActiveSpan(
    name,
    { attributes: options.attributes, root: options.root, kind: SpanKind.INTERNAL },
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        const type = error instanceof Error ? error.constructor.name : typeof error;
        span.setAttribute('error.type', type);
        if (!(error instanceof DomainError)) span.setStatus({ code: SpanStatusCode.ERROR, message: type });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The active trace as log fields (`trace_id`, `span_id`), or nothing outside a sampled span. */
export function activeTraceFields(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return undefined;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** The OpenTelemetry context in effect, to re-enter later where Node loses it (see the HTTP pipeline). */
export function activeTraceContext(): Context {
  return context.active();
}

export function withTraceContext<T>(saved: Context, work: () => T): T {
  return context.with(saved, work);
}

/**
 * The authenticated user's id as `enduser.id` on the request's server span, when it is recorded.
 * Callers add it only with OTEL_CAPTURE_USER_ID=true: a trace backend is not a place for
 * identifiers by default.
 */
export function identifyEndUser(userId: string): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttribute('enduser.id', userId);
}

/** Whether the active span is being recorded: false without tracing, outside a span, and sampled out. */
export function recordingActiveSpan(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
}

/** W3C `traceparent` of the active span, for an event envelope a consumer continues the trace from. */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!isSpanContextValid(span.spanContext())) return undefined;
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/**
 * The active trace context as W3C headers (`traceparent`, `tracestate`) for a call to another
 * service, so its server span continues this one: the gateway's proxied requests and the
 * services' internal calls. Empty without tracing (the no-op propagator).
 */
export function activeTraceHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** An incoming request's span and the context to run its work in. */
export interface ServerSpan {
  span: Span;
  context: Context;
}

/**
 * Starts the server span of an incoming request, continuing the caller's W3C trace context
 * (`traceparent`, `tracestate`), named after the route template as the HTTP semantic conventions
 * ask. The API's own pipeline does this rather than @opentelemetry/instrumentation-http, whose
 * per-request work cost /auth/me a third of its rate even with every trace sampled out; here a
 * request costs a header lookup and a non-recording span unless it is sampled.
 */
export function startServerSpan(
  request: { method: string; route: string | undefined; path: string; headers: Record<string, unknown> },
  attributes: Attributes,
): ServerSpan {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer.startSpan(
    request.route === undefined ? request.method : `${request.method} ${request.route}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': request.method,
        'url.path': request.path,
        ...(request.route === undefined ? {} : { 'http.route': request.route }),
        ...attributes,
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a server span with its status code; a 5xx fails it (a 4xx is the client's, per the conventions). */
export function endServerSpan(span: Span, statusCode: number): void {
  span.setAttribute('http.response.status_code', statusCode);
  if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
