import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@latchkey/shared-kernel';
import type { SigningKey } from '../../domain/signing-key';
import { IdentitySettings, type KeyActor, SigningKeyFactory, SigningKeyStore } from '../ports';
import { SigningKeyAudit } from './signing-key-audit';

/** Generates a key and publishes it as `next`: in JWKS, not signing yet. */
@Injectable()
export class AddSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
    private readonly settings: IdentitySettings,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(command: { bits?: number }, actor: KeyActor): Promise<SigningKey> {
    const bits = command.bits ?? this.settings.rsaBits;
    const key = await this.factory.generate(bits, actor === 'scheduler' ? 'scheduled' : 'generated');
    await this.unitOfWork.run(async () => {
      await this.store.save([key]);
      await this.audit.record(actor, { kid: key.kid, action: 'add', from: null, to: 'next' }, { bits });
    });
    return key;
  }
}
