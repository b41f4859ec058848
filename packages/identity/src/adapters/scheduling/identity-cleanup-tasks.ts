import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Cleanup } from '@latchkey/platform';
import { CleanUpIdentity } from '../../application/clean-up-identity';

/** Registers identity's clean-up steps with the platform's scheduled clean-up. */
@Injectable()
export class IdentityCleanupTasks implements OnModuleInit {
  constructor(
    private readonly cleanup: Cleanup,
    private readonly identity: CleanUpIdentity,
  ) {}

  onModuleInit(): void {
    this.cleanup.register({
      name: 'sessions.expired',
      runBatch: ({ now, limit }) => this.identity.expireSessions(now, limit),
    });
    this.cleanup.register({
      name: 'sessions.ended',
      runBatch: ({ retentionCutoff, limit }) => this.identity.purgeEndedSessions(retentionCutoff, limit),
    });
    this.cleanup.register({
      name: 'secrets.spent',
      runBatch: ({ retentionCutoff, limit }) => this.identity.purgeSpentSecrets(retentionCutoff, limit),
    });
  }
}
