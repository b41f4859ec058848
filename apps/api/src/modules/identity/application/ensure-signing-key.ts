import { Injectable } from '@nestjs/common';
import { Clock } from '../../../shared-kernel/clock';
import { activeKeyOf, type SigningKey } from '../domain/signing-key';
import { SigningKeyFactory, SigningKeyStore } from './ports';

/** First start: there is no key yet, so generate one and make it active. Later starts reuse it. */
@Injectable()
export class EnsureSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
    private readonly clock: Clock,
  ) {}

  async execute(bits: number): Promise<{ key: SigningKey; generated: boolean }> {
    const existing = activeKeyOf(await this.store.list());
    if (existing) return { key: existing, generated: false };
    const key: SigningKey = {
      ...(await this.factory.generate(bits)),
      state: 'active',
      activatedAt: this.clock.now(),
    };
    await this.store.save(key);
    return { key, generated: true };
  }
}
