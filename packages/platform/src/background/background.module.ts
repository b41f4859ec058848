import { Global, Module } from '@nestjs/common';
import { BackgroundWork } from '@latchkey/shared-kernel';
import { DeferredWork } from './deferred-work';

@Global()
@Module({
  providers: [DeferredWork, { provide: BackgroundWork, useExisting: DeferredWork }],
  exports: [DeferredWork, BackgroundWork],
})
export class BackgroundModule {}
