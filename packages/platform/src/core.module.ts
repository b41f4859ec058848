import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '@latchkey/shared-kernel';
import { AppConfig } from './config/app-config';
import { ServerSecrets } from './config/server-secrets';

/** Configuration, secrets and time, available to every module. Tests swap the clock for a controllable one. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: ServerSecrets, useFactory: () => new ServerSecrets(config) },
      ],
      exports: [AppConfig, Clock, ServerSecrets],
    };
  }
}
