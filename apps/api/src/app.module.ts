import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { monolithModules } from './business-modules';
import type { ApiConfig } from './api-config';
import { BackgroundModule } from '@latchkey/platform';
import { CoreModule } from '@latchkey/platform';
import type { Database } from '@latchkey/platform';
import { DatabaseModule } from '@latchkey/platform';
import { HealthModule } from '@latchkey/platform-http';
import { IdempotencyModule } from '@latchkey/platform-http';
import { MailModule } from '@latchkey/platform-messaging';
import { RateLimitModule } from '@latchkey/platform-http';
import { RedisModule } from '@latchkey/platform';
import type { OpenApiSpec } from '@latchkey/platform-http';
import { OpenApiModule } from '@latchkey/platform-http';
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
