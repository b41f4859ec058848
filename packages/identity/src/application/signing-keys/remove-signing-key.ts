import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { assertRemovable } from '../../domain/signing-key';
import { IdentitySettings, type KeyActor, SigningKeyFactory, SigningKeyStore } from '../ports';
import { keyTimingsOf, SigningKeyAudit } from './signing-key-audit';

/** Deletes a key once no token it signed can still be valid (retired + access TTL + leeway). */
@Injectable()
export class RemoveSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(command: { kid: string }, actor: KeyActor): Promise<void> {
    const removed = await this.unitOfWork.run(async () => {
      const keys = await this.store.list({ fresh: true });
      const key = assertRemovable(keys, command.kid, this.clock.now(), keyTimingsOf(this.settings));
      await this.store.remove(key.kid);
      await this.audit.record(actor, { kid: key.kid, action: 'remove', from: key.state, to: null });
      return key;
    });
    // Once the key has left the set for good: a KMS key is scheduled for deletion.
    await this.factory.release(removed);
  }
}
