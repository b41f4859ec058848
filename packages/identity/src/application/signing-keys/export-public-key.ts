import { Injectable } from '@nestjs/common';
import { type PublicJwk, SigningKeyNotFound } from '../../domain/signing-key';
import { SigningKeyFactory, SigningKeyStore } from '../ports';

/** The public half of a key, as PEM (SPKI) or JWK, for verifiers configured by hand. */
@Injectable()
export class ExportPublicKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
  ) {}

  async execute(command: { kid: string; format: 'pem' | 'jwk' }): Promise<string | PublicJwk> {
    const key = (await this.store.list({ fresh: true })).find((candidate) => candidate.kid === command.kid);
    if (!key) throw new SigningKeyNotFound(command.kid);
    return command.format === 'pem' ? this.factory.publicPem(key) : key.publicJwk;
  }
}
