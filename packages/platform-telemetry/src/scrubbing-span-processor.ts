import type { Context } from '@opentelemetry/api';
import type { tracing } from '@opentelemetry/sdk-node';

type ReadableSpan = tracing.ReadableSpan;
type SpanProcessor = tracing.SpanProcessor;
type Span = tracing.Span;

/** Where the HTTP and database instrumentations put a peer's address (old and stable conventions). */
const ADDRESS_KEYS = [
  'client.address',
  'http.client_ip',
  'net.peer.ip',
  'net.sock.peer.addr',
  'network.peer.address',
  'source.address',
];
/** A query string may carry a one-time secret (the dev pages' verification links). */
const URL_KEYS = ['http.url', 'http.target', 'url.full'];
const QUERY_KEYS = ['url.query'];

/**
 * Removes what an instrumentation records that Latchkey promises never to export (docs/observability.md):
 * client addresses unless OTEL_CAPTURE_CLIENT_IP=true, and query strings. Done on the ended span,
 * before the batch processor queues it, so no exporter ever sees the values.
 */
export class ScrubbingSpanProcessor implements SpanProcessor {
  constructor(
    private readonly next: SpanProcessor,
    private readonly captureClientIp: boolean,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    scrubAttributes(span.attributes as Record<string, unknown>, this.captureClientIp);
    this.next.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

export function scrubAttributes(attributes: Record<string, unknown>, captureClientIp: boolean): void {
  if (!captureClientIp) for (const key of ADDRESS_KEYS) delete attributes[key];
  for (const key of QUERY_KEYS) delete attributes[key];
  for (const key of URL_KEYS) {
    const value = attributes[key];
    if (typeof value === 'string' && value.includes('?'))
      attributes[key] = value.slice(0, value.indexOf('?'));
  }
}
