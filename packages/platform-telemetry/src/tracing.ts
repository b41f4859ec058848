import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
type Env = Record<string, string | undefined>;
import { ScrubbingSpanProcessor } from './scrubbing-span-processor';

export interface Tracing {
  /** Flushes the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>;
}

/** Whether the standard variables ask for traces: an OTLP endpoint, and the SDK not disabled. */
export function tracingRequested(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.split(',').some((name) => name.trim() === 'none')) return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts the OpenTelemetry SDK for traces, configured only by the standard OTEL_* variables.
 * Must run before the application's modules are loaded: the instrumentations patch `pg`, `ioredis`
 * and `amqplib` as they are required. Without an endpoint (or with OTEL_SDK_DISABLED)
 * the SDK is not even loaded, so an API without a collector pays nothing, start-up included.
 */
export function startTracing(env: Env = process.env): Tracing | undefined {
  adoptDotEnvTelemetry(env);
  if (!tracingRequested(env)) return undefined;
  // Metrics are served in Prometheus format (METRICS_PORT) and logs go to stdout: the SDK's OTLP
  // defaults for those two signals would export them a second time. An operator may still ask.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';

  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK, tracing } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { AmqplibInstrumentation } =
    require('@opentelemetry/instrumentation-amqplib') as typeof import('@opentelemetry/instrumentation-amqplib');
  /* eslint-enable @typescript-eslint/no-require-imports */

  // No HTTP instrumentation: the API makes no outgoing HTTP call, and the incoming requests' server
  // spans are started by the HTTP pipeline itself (platform-http's http-pipeline.ts), after
  // routing, from the request's W3C trace context. @opentelemetry/instrumentation-http cost
  // /auth/me a third of its rate even with every trace sampled out (docs/performance.md).
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : 'latchkey',
    spanProcessors: [
      new ScrubbingSpanProcessor(
        new tracing.BatchSpanProcessor(traceExporter(env)),
        env.OTEL_CAPTURE_CLIENT_IP?.trim().toLowerCase() === 'true',
      ),
    ],
    instrumentations: [
      // Without a parent, a query is a poller's (outbox, relay): thousands of lone spans a minute.
      new PgInstrumentation({ requireParentSpan: true }),
      // Keys name limiter subjects (an address, an IP): only the command is recorded.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

/** OTEL_EXPORTER_OTLP_PROTOCOL (or its _TRACES_ form): `http/protobuf` (the default) or `http/json`. */
function traceExporter(env: Env) {
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  )
    .trim()
    .toLowerCase();
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  if (protocol !== 'http/protobuf') {
    process.stderr.write(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported by Latchkey; exporting with http/protobuf\n`,
    );
  }
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return new OTLPTraceExporter();
}

/**
 * The SDK reads the OTEL_* variables from `process.env` only; the API also reads a `.env` file in
 * the working directory (dev convenience, the real environment wins): its OTEL_* lines are copied
 * in first so both agree.
 */
function adoptDotEnvTelemetry(env: Env, file = path.resolve('.env')): void {
  if (!existsSync(file)) return;
  for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (name.startsWith('OTEL_') && env[name] === undefined) env[name] = value;
  }
}
