import { type DynamicModule, Global, Module } from '@nestjs/common';
import { BackgroundWork } from '@latchkey/shared-kernel';
import { Cleanup, CleanupScheduler } from './cleanup';
import { DeferredWork } from './deferred-work';

/**
 * Work off the request path: deferred work after a response, and the clean-up every module
 * registers its tasks with. `forRoot({ schedule: true })` (the API server) also runs the
 * clean-up every CLEANUP_INTERVAL; operator commands only register.
 */
@Global()
@Module({
  providers: [DeferredWork, { provide: BackgroundWork, useExisting: DeferredWork }, Cleanup],
  exports: [DeferredWork, BackgroundWork, Cleanup],
})
export class BackgroundModule {
  static forRoot(options: { schedule: boolean }): DynamicModule {
    return {
      module: BackgroundModule,
      providers: options.schedule ? [CleanupScheduler] : [],
      exports: options.schedule ? [CleanupScheduler] : [],
    };
  }
}
