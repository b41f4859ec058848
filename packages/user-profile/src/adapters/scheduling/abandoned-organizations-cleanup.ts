import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Cleanup } from '@latchkey/platform';
import { SweepAbandonedOrganizations } from '../../application/sweep-abandoned-organizations';

/** The user service's step of the scheduled clean-up (CLEANUP_INTERVAL, `pnpm cleanup`). */
@Injectable()
export class AbandonedOrganizationsCleanup implements OnModuleInit {
  constructor(
    private readonly cleanup: Cleanup,
    private readonly sweep: SweepAbandonedOrganizations,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({
      name: 'organizations.abandoned',
      runBatch: ({ now, limit }) => this.sweep.execute(now, limit),
    });
  }
}
