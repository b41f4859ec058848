import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { monolithModules } from './business-modules';
import type { ApiConfig } from './api-config';
import { BackgroundModule, CoreModule, type Database, DatabaseModule, RedisModule } from '@latchkey/platform';
import {
  HealthModule,
  IdempotencyModule,
  OpenApiModule,
  type OpenApiSpec,
  RateLimitModule,
} from '@latchkey/platform-http';
import { EventsModule, MailModule } from '@latchkey/platform-messaging';
import type { Clock } from '@latchkey/shared-kernel';

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
        CoreModule.forRoot(options.config.platform, options.clock, { serveMetrics: true }),
        ScheduleModule.forRoot(),
        DatabaseModule.forRoot(options.database),
        BackgroundModule.forRoot({ schedule: true }),
        HealthModule,
        IdempotencyModule,
        MailModule.forRoot({ deliver: true }),
        EventsModule.forRoot({ relay: true }),
        RedisModule,
        RateLimitModule,
        OpenApiModule.forRoot(options.spec),
        ...(options.modules ?? monolithModules(options.config, 'server')),
        ...(options.extraModules ?? []),
      ],
    };
  }
}
