import type { DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import {
  type AppConfig,
  BackgroundModule,
  CoreModule,
  type Database,
  DatabaseModule,
  RedisModule,
} from '@latchkey/platform';
import { EventsModule, MailModule } from '@latchkey/platform-messaging';
import type { Clock } from '@latchkey/shared-kernel';
import { HealthModule } from '../health/health.module';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';

/**
 * What every server process over a database imports, whichever modules it hosts (the monolith,
 * the auth service, the user service): config, clock and metrics, the database, background work
 * and schedules, probes, idempotency, Redis and rate limits, the mail outbox (`deliverMail`: this
 * process sends it) and the event outbox with its relay.
 */
export function serverPlatformModules(options: {
  config: AppConfig;
  database: Database;
  clock?: Clock;
  deliverMail: boolean;
}): NonNullable<DynamicModule['imports']> {
  return [
    CoreModule.forRoot(options.config, options.clock, { serveMetrics: true }),
    ScheduleModule.forRoot(),
    DatabaseModule.forRoot(options.database),
    BackgroundModule.forRoot({ schedule: true }),
    HealthModule,
    IdempotencyModule,
    MailModule.forRoot({ deliver: options.deliverMail }),
    EventsModule.forRoot({ relay: true }),
    RedisModule,
    RateLimitModule,
  ];
}

/**
 * What an operator command of a server process imports (`pnpm users …`): the same configuration,
 * database and wiring, without HTTP, schedules, relays or mail delivery.
 */
export function operatorPlatformModules(options: {
  config: AppConfig;
  database: Database;
  clock?: Clock;
}): NonNullable<DynamicModule['imports']> {
  return [
    CoreModule.forRoot(options.config, options.clock),
    DatabaseModule.forRoot(options.database),
    BackgroundModule,
    MailModule.forRoot({ deliver: false }),
    EventsModule.forRoot({ relay: false }),
    RedisModule,
    // The modules' controllers are not served, but Nest still builds their guards.
    RateLimitModule,
  ];
}
