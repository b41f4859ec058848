import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { retire } from '../../domain/signing-key';
import { type KeyActor, SigningKeyStore } from '../ports';
import { SigningKeyAudit } from './signing-key-audit';

/** Withdraws a `next` key that should never sign; it stays published until removed. */
@Injectable()
export class RetireSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(command: { kid: string }, actor: KeyActor): Promise<void> {
    await this.unitOfWork.run(async () => {
      const retired = retire(await this.store.list({ fresh: true }), command.kid, this.clock.now());
      await this.store.save([retired]);
      await this.audit.record(actor, { kid: command.kid, action: 'retire', from: 'next', to: 'retired' });
    });
  }
}
