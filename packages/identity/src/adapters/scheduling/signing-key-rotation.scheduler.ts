import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { IdentityConfig } from '../../identity-config';
import { RotateSigningKeys } from '../../application/signing-keys/rotate-signing-keys';

const JOB = 'signing-key-rotation';

/**
 * With KEY_ROTATION_INTERVAL set, every instance runs a rotation step each KEYS_REFRESH_SECONDS;
 * the advisory lock inside the step lets exactly one of them act.
 */
@Injectable()
export class SigningKeyRotationScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('SigningKeyRotation');

  constructor(
    private readonly rotate: RotateSigningKeys,
    private readonly registry: SchedulerRegistry,
    private readonly config: IdentityConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.keys.rotationIntervalSeconds === undefined) return;
    const timer = setInterval(() => void this.tick(), this.config.keys.refreshSeconds * 1000);
    timer.unref();
    this.registry.addInterval(JOB, timer);
  }

  /** One step; public so operators' tests can drive it without waiting for the timer. */
  async tick(): Promise<void> {
    const interval = this.config.keys.rotationIntervalSeconds;
    if (interval === undefined) return;
    try {
      const outcome = await this.rotate.execute(interval);
      if (outcome.ran && (outcome.added || outcome.activated || outcome.removed.length > 0)) {
        this.logger.log({ msg: 'signing keys rotated', ...outcome });
      }
    } catch (error) {
      this.logger.error({ msg: 'scheduled signing-key rotation failed', reason: (error as Error).message });
    }
  }
}
