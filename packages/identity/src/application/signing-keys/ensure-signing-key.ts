import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { activeKeyOf, productionKeyProblem, type SigningKey } from '../../domain/signing-key';
import { IdentitySettings, SigningKeyFactory, SigningKeyStore, TransactionLock } from '../ports';
import { SigningKeyAudit } from './signing-key-audit';

export class NoUsableSigningKey extends Error {
  constructor(reason: string) {
    super(
      `${reason}. Create a key with \`pnpm keys add\`, then \`pnpm keys activate <kid>\` (see docs/runbooks/key-rotation.md)`,
    );
    this.name = 'NoUsableSigningKey';
  }
}

/**
 * At start-up: there must be an active key. Development generates one on first start; production
 * refuses to start without one, or with one the dev bootstrap generated (it may have been made on
 * a laptop and copied around).
 */
@Injectable()
export class EnsureSigningKey {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
    private readonly settings: IdentitySettings,
    private readonly lock: TransactionLock,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(): Promise<{ key: SigningKey; generated: boolean }> {
    const keys = await this.store.list({ fresh: true });
    const problem = this.settings.production ? productionKeyProblem(keys) : undefined;
    if (problem) throw new NoUsableSigningKey(problem);
    const existing = activeKeyOf(keys);
    if (existing) return { key: existing, generated: false };

    const candidate = await this.factory.generate(this.settings.rsaBits, 'dev-bootstrap');
    return this.unitOfWork.run(async () => {
      // Instances starting together on one database: the first generates, the others find its key.
      await this.lock.acquire('latchkey:signing-key-bootstrap');
      const raced = activeKeyOf(await this.store.list({ fresh: true }));
      if (raced) return { key: raced, generated: false };
      const key: SigningKey = { ...candidate, state: 'active', activatedAt: this.clock.now() };
      await this.store.save([key]);
      await this.audit.record('bootstrap', { kid: key.kid, action: 'add', from: null, to: 'active' });
      return { key, generated: true };
    });
  }
}
