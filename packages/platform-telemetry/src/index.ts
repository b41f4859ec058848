// @latchkey/platform-telemetry: the OpenTelemetry SDK's start-up. Its own package so that an entry
// point can load it before anything it instruments (pg, ioredis, amqplib, http): it imports none.
export * from './scrubbing-span-processor';
export * from './tracing';
