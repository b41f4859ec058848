import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as the tests read it, flattened from OTLP/JSON. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  scope: string;
  /** The exporting process's `service.name` (its resource). */
  service: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}

interface OtlpTraces {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: { key: string; value: OtlpValue }[];
      }[];
    }[];
  }[];
}

function valueOf(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

/**
 * An OTLP/HTTP trace receiver (what a collector listens on at :4318), inside the test: it keeps
 * every request's raw body and decodes OTLP/JSON (`http/json`) into spans. OTLP/protobuf bodies are
 * kept raw (their trace ids are the raw 16 bytes, which a test can look for).
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly bodies: { contentType: string; body: Buffer }[] = [];
  private server: Server | undefined;

  /** Listens on `port` (0: any free one); returns the endpoint's base URL. */
  async start(port = 0): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const contentType = request.headers['content-type'] ?? '';
        this.bodies.push({ contentType, body });
        if (request.url === '/v1/traces' && contentType.startsWith('application/json')) {
          this.decode(JSON.parse(body.toString('utf8')) as OtlpTraces);
        }
        response.writeHead(200, { 'content-type': contentType || 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  inTrace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  async waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    while (!done()) {
      if (Date.now() - started > timeoutMs) throw new Error(`spans never arrived; have ${this.describe()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  describe(): string {
    return this.spans.map((span) => `${span.name} (${span.traceId.slice(0, 8)})`).join(', ') || 'none';
  }

  private decode(traces: OtlpTraces): void {
    for (const resource of traces.resourceSpans ?? []) {
      const service = resource.resource?.attributes?.find(({ key }) => key === 'service.name')?.value;
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind,
            scope: scope.scope?.name ?? '',
            service: service ? String(valueOf(service)) : '',
            attributes: Object.fromEntries(
              (span.attributes ?? []).map(({ key, value }) => [key, valueOf(value)]),
            ),
          });
        }
      }
    }
  }
}
