import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@latchkey/shared-kernel';
import { SigningKeyChangeRefused, type SigningKey } from '../../domain/signing-key';
import { type KeyActor, SigningKeyFactory, SigningKeyStore } from '../ports';
import { SigningKeyAudit } from './signing-key-audit';

/** Brings an existing RSA private key (PEM) in as a `next` key, e.g. when migrating from another issuer. */
@Injectable()
export class ImportSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(command: { privateKeyPem: string }, actor: KeyActor): Promise<SigningKey> {
    const key = await this.factory.fromPem(command.privateKeyPem);
    await this.unitOfWork.run(async () => {
      if ((await this.store.list({ fresh: true })).some((existing) => existing.kid === key.kid)) {
        throw new SigningKeyChangeRefused(`Key ${key.kid} is already in the key set`);
      }
      await this.store.save([key]);
      await this.audit.record(actor, { kid: key.kid, action: 'import', from: null, to: 'next' });
    });
    return key;
  }
}
