import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '@latchkey/platform';

/**
 * Listens on HTTP_HOST:PORT, then serves until SIGTERM or SIGINT: no new connections, in-flight
 * requests finish (`close`), then `afterClose` (the last spans exported), then exit 0; a stuck
 * request cannot hold the process past HTTP_SHUTDOWN_TIMEOUT. Every Latchkey process's main.
 */
export async function serveUntilSignalled(options: {
  app: NestFastifyApplication;
  http: AppConfig['http'];
  logger: Logger;
  close(): Promise<void>;
  afterClose?: () => Promise<void> | undefined;
  /** Logged once listening, with the URL. */
  started: { message: string; fields: Record<string, unknown> };
}): Promise<void> {
  const { app, http, logger } = options;
  await app.listen({ host: http.host, port: http.port });
  logger.info({ url: await app.getUrl(), ...options.started.fields }, options.started.message);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    // A stuck request must not keep the process alive past the orchestrator's patience.
    setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, http.shutdownTimeoutMs).unref();
    options
      .close()
      // The spans of the last requests are still in the batch: exported before exiting.
      .then(() => options.afterClose?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
