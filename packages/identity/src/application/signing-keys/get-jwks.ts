import { Injectable } from '@nestjs/common';
import { isPublished, type PublicJwk } from '../../domain/signing-key';
import { SigningKeyStore } from '../ports';

/** The JWK Set verifiers fetch: next, active and retired keys; never revoked ones. */
@Injectable()
export class GetJwks {
  constructor(private readonly store: SigningKeyStore) {}

  async execute(): Promise<{ keys: PublicJwk[] }> {
    const keys = await this.store.list();
    return { keys: keys.filter(isPublished).map((key) => key.publicJwk) };
  }
}
