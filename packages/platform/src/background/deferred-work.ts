import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { BackgroundWork } from '@latchkey/shared-kernel';
import { requestContext } from '../logging/request-context';

/**
 * In-process background work. Started from a request, it begins once the response has been sent
 * (Fastify's onResponse), so not even its first synchronous step can delay or shape the answer;
 * elsewhere, on the next turn of the event loop. Graceful shutdown waits for it, as for requests. Not durable: a crash in the few milliseconds
 * between the answer and the work loses that request, and the user asks again; what the work
 * writes (tokens, the email outbox) is durable from its commit on.
 */
@Injectable()
export class DeferredWork extends BackgroundWork implements OnApplicationShutdown {
  private readonly logger = new Logger('BackgroundWork');
  private readonly pending = new Set<Promise<void>>();

  run(name: string, work: () => Promise<void>): void {
    const request = requestContext.getStore();
    const started = new Promise<void>((resolve) => {
      if (request) request.afterResponse.push(() => setImmediate(resolve));
      else setImmediate(resolve);
    });
    const task: Promise<void> = started
      .then(work)
      .catch((error: Error) => this.logger.error({ msg: `${name} failed`, reason: error.message }))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves when no work is pending (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  onApplicationShutdown(): Promise<void> {
    return this.idle();
  }
}
