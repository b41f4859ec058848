import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { activate, activeKeyOf } from '../../domain/signing-key';
import { IdentitySettings, type KeyActor, SigningKeyStore } from '../ports';
import { keyTimingsOf, SigningKeyAudit } from './signing-key-audit';

/** Makes a key the signing key; the previous one is retired in the same step. Also the rollback. */
@Injectable()
export class ActivateSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(
    command: { kid: string; force?: boolean },
    actor: KeyActor,
  ): Promise<{ retired: string | undefined }> {
    return this.unitOfWork.run(async () => {
      const keys = await this.store.list({ fresh: true });
      const previous = activeKeyOf(keys);
      const from = keys.find((key) => key.kid === command.kid)?.state ?? null;
      const changed = activate(keys, command.kid, this.clock.now(), keyTimingsOf(this.settings), command);
      await this.store.save(changed);
      await this.audit.record(
        actor,
        { kid: command.kid, action: 'activate', from, to: 'active' },
        {
          force: command.force ?? false,
          retired: previous?.kid ?? null,
        },
      );
      return { retired: previous?.kid };
    });
  }
}
