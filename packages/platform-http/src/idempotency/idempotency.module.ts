import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { Cleanup } from '@latchkey/platform';
import { IdempotencyStore } from './idempotency-store';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/** Expired idempotency records go with the scheduled clean-up. */
@Injectable()
class IdempotencyCleanupTask implements OnModuleInit {
  constructor(
    private readonly cleanup: Cleanup,
    private readonly store: IdempotencyStore,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({
      name: 'idempotency.expired',
      runBatch: ({ now, limit }) => this.store.deleteExpired(now, limit),
    });
  }
}

@Global()
@Module({
  providers: [IdempotencyStore, IdempotencyInterceptor, IdempotencyCleanupTask],
  exports: [IdempotencyStore, IdempotencyInterceptor],
})
export class IdempotencyModule {}
