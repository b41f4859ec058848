// Loaded first by main.ts, before anything the SDK instruments (http, pg, ioredis, amqplib) is
// required: an instrumentation patches a module as it loads, never one loaded before it.
import { startTracing } from '@latchkey/platform-telemetry';

export const tracing = startTracing();
