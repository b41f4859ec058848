import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { revoke } from '../../domain/signing-key';
import { IdentitySettings, type KeyActor, SigningKeyFactory, SigningKeyStore } from '../ports';
import { SigningKeyAudit } from './signing-key-audit';

/**
 * Emergency: the key leaves JWKS and its tokens are refused at once. Revoking the active key
 * activates a freshly generated one in the same step; sessions carry on (their refresh tokens
 * are opaque and mint access tokens with the new key).
 */
@Injectable()
export class RevokeSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(command: { kid: string }, actor: KeyActor): Promise<{ replacement: string | undefined }> {
    const current = await this.store.list({ fresh: true });
    const wasActive = current.find((key) => key.kid === command.kid)?.state === 'active';
    // Generated before the transaction: key generation is slow and needs no lock.
    const replacement = wasActive
      ? await this.factory.generate(this.settings.rsaBits, 'generated')
      : undefined;
    return this.unitOfWork.run(async () => {
      const keys = await this.store.list({ fresh: true });
      const from = keys.find((key) => key.kid === command.kid)?.state ?? null;
      const changed = revoke(keys, command.kid, this.clock.now(), replacement);
      await this.store.save(changed);
      await this.audit.record(actor, { kid: command.kid, action: 'revoke', from, to: 'revoked' });
      if (replacement) {
        await this.audit.record(
          actor,
          { kid: replacement.kid, action: 'activate', from: null, to: 'active' },
          {
            replaces: command.kid,
          },
        );
      }
      return { replacement: replacement?.kid };
    });
  }
}
