import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { monolithModules } from './business-modules';
import type { ApiConfig } from './api-config';
import { BackgroundModule } from './platform/background/background.module';
import { CoreModule } from './platform/core.module';
import type { Database } from './platform/database/database';
import { DatabaseModule } from './platform/database/database.module';
import { HealthModule } from './platform/health/health.module';
import { IdempotencyModule } from './platform/idempotency/idempotency.module';
import { MailModule } from './platform/mail/mail.module';
import { RateLimitModule } from './platform/rate-limit/rate-limit.module';
import { RedisModule } from './platform/redis/redis.module';
import type { OpenApiSpec } from './platform/openapi/openapi-spec';
import { OpenApiModule } from './platform/openapi/openapi.module';
import type { Clock } from './shared-kernel/clock';

export interface AppModuleOptions {
  config: ApiConfig;
  database: Database;
  spec: OpenApiSpec;
  clock?: Clock;
  /**
   * The business modules this process hosts: by default both, wired to each other
   * (monolithModules). A test that proves a module can stand alone passes it with fakes.
   */
  modules?: DynamicModule[];
  /** Test-only additions (the contract parity test mounts an undocumented route with this). */
  extraModules?: DynamicModule['imports'];
}

@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(options.config.platform, options.clock),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(options.database),
        BackgroundModule,
        HealthModule,
        IdempotencyModule,
        MailModule.forRoot({ deliver: true }),
        RedisModule,
        RateLimitModule,
        OpenApiModule.forRoot(options.spec),
        ...(options.modules ?? monolithModules(options.config, 'server')),
        ...(options.extraModules ?? []),
      ],
    };
  }
}
