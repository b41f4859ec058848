import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { activate, planRotation, type RotationPlan, type SigningKey } from '../../domain/signing-key';
import { IdentitySettings, SigningKeyFactory, SigningKeyStore, TransactionLock } from '../ports';
import { keyTimingsOf, SigningKeyAudit } from './signing-key-audit';

export const ROTATION_LOCK = 'latchkey:signing-key-rotation';

export type RotationOutcome =
  { ran: false } | { ran: true; added: string | undefined; activated: string | undefined; removed: string[] };

/**
 * One step of scheduled rotation (KEY_ROTATION_INTERVAL), on whichever instance gets the advisory
 * lock; the others skip. Same rules as the CLI: publish a `next` key a cache lifetime before it is
 * due, activate it when due, remove retired keys once their tokens have expired.
 */
@Injectable()
export class RotateSigningKeys {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly factory: SigningKeyFactory,
    private readonly lock: TransactionLock,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: SigningKeyAudit,
  ) {}

  async execute(intervalSeconds: number): Promise<RotationOutcome> {
    const removedKeys: SigningKey[] = [];
    const outcome = await this.unitOfWork.run(async (): Promise<RotationOutcome> => {
      if (!(await this.lock.tryAcquire(ROTATION_LOCK))) return { ran: false };
      const now = this.clock.now();
      const timings = keyTimingsOf(this.settings);
      const current = await this.store.list({ fresh: true });
      const plan: RotationPlan = planRotation(current, now, intervalSeconds, timings);
      removedKeys.push(...current.filter((key) => plan.remove.includes(key.kid)));

      let added: string | undefined;
      if (plan.addNext) {
        const key = await this.factory.generate(this.settings.rsaBits, 'scheduled');
        await this.store.save([key]);
        await this.audit.record('scheduler', { kid: key.kid, action: 'add', from: null, to: 'next' });
        added = key.kid;
      }
      if (plan.activate) {
        const keys = await this.store.list({ fresh: true });
        await this.store.save(activate(keys, plan.activate, now, timings));
        await this.audit.record('scheduler', {
          kid: plan.activate,
          action: 'activate',
          from: 'next',
          to: 'active',
        });
      }
      for (const kid of plan.remove) {
        await this.store.remove(kid);
        await this.audit.record('scheduler', { kid, action: 'remove', from: 'retired', to: null });
      }
      return { ran: true, added, activated: plan.activate, removed: plan.remove };
    });
    // Once the removals are committed: a KMS key is scheduled for deletion.
    if (outcome.ran) for (const key of removedKeys) await this.factory.release(key);
    return outcome;
  }
}
