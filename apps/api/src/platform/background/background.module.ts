import { Global, Module } from '@nestjs/common';
import { BackgroundWork } from '../../shared-kernel/background-work';
import { DeferredWork } from './deferred-work';

@Global()
@Module({
  providers: [DeferredWork, { provide: BackgroundWork, useExisting: DeferredWork }],
  exports: [DeferredWork, BackgroundWork],
})
export class BackgroundModule {}
