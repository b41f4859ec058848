import { type DynamicModule, Module } from '@nestjs/common';
import { monolithModules } from './business-modules';
import type { ApiConfig } from './api-config';
import type { Database } from '@latchkey/platform';
import { OpenApiModule, type OpenApiSpec, serverPlatformModules } from '@latchkey/platform-http';
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
        ...serverPlatformModules({
          config: options.config.platform,
          database: options.database,
          clock: options.clock,
          deliverMail: true,
        }),
        OpenApiModule.forRoot(options.spec),
        ...(options.modules ?? monolithModules(options.config, 'server')),
        ...(options.extraModules ?? []),
      ],
    };
  }
}
