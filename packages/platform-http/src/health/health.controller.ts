import { Controller, Inject, Optional, VERSION_NEUTRAL } from '@nestjs/common';
import { AppConfig, Database, RedisConnection } from '@latchkey/platform';
import { EventPublisher, MailTransport } from '@latchkey/platform-messaging';
import { HealthProbes } from './health-probes';
import type { DependencyCheck } from './readiness';

const DATABASE_TIMEOUT_MS = 1_000;
const REDIS_TIMEOUT_MS = 500;
const SMTP_TIMEOUT_MS = 2_000;
const BROKER_TIMEOUT_MS = 2_000;
/** A probe every few seconds must not open an SMTP session each time: its answer is kept this long. */
const SMTP_RECHECK_MS = 30_000;

/**
 * A server's probes. Readiness: the database (and Redis, when limits fail closed) answer in time;
 * the SMTP relay and the event broker are reported without deciding. Recovers by itself when a
 * dependency comes back.
 */
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class HealthController extends HealthProbes {
  protected readonly checks: DependencyCheck[];

  constructor(
    database: Database,
    redis: RedisConnection,
    mail: MailTransport,
    config: AppConfig,
    /** null without AMQP_URL. */
    @Optional() @Inject(EventPublisher) events: EventPublisher | null = null,
  ) {
    super();
    this.checks = [
      {
        name: 'database',
        critical: true,
        timeoutMs: DATABASE_TIMEOUT_MS,
        probe: () => database.ping(DATABASE_TIMEOUT_MS),
      },
    ];
    const client = redis.client;
    if (client) {
      // With RATE_LIMIT_FAIL_MODE=closed every login, registration and refresh needs Redis.
      this.checks.push({
        name: 'redis',
        critical: config.abuse.failMode === 'closed',
        timeoutMs: REDIS_TIMEOUT_MS,
        probe: async () => void (await client.ping()),
      });
    }
    if (mail.name === 'smtp') {
      // Not critical: mail waits in the outbox and is retried; sign-in does not need it.
      this.checks.push({
        name: 'smtp',
        critical: false,
        timeoutMs: SMTP_TIMEOUT_MS,
        probe: remembered(SMTP_RECHECK_MS, () => mail.verify()),
      });
    }
    if (events) {
      // Not critical: events wait in the outbox while the broker is away; no request needs it.
      // Cheap while connected (the relay's own connection); otherwise one connection attempt.
      this.checks.push({
        name: 'broker',
        critical: false,
        timeoutMs: BROKER_TIMEOUT_MS,
        probe: () => events.verify(),
      });
    }
  }
}

/** The last outcome of `probe`, re-run at most every `ttlMs` (one run at a time). */
function remembered(ttlMs: number, probe: () => Promise<void>): () => Promise<void> {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at >= ttlMs) {
      const outcome = probe();
      outcome.catch(() => undefined);
      last = { at: now, outcome };
    }
    return last.outcome;
  };
}
