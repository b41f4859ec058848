import { Injectable, type OnModuleInit } from '@nestjs/common';
import { and, gt, isNull, sql } from 'drizzle-orm';
import { Database, Metrics } from '@latchkey/platform';
import { Clock } from '@latchkey/shared-kernel';
import { IdentitySettings, SigningKeyStore } from '../../application/ports';
import { activeKeyOf } from '../../domain/signing-key';
import { sessions } from '../persistence/schema';

/**
 * Identity's gauges that need a read, refreshed every METRICS_REFRESH_INTERVAL rather than per
 * scrape: live sessions (one count over the partial index of unrevoked sessions), and the active
 * signing key's age and time to its scheduled rotation (negative: overdue).
 */
@Injectable()
export class IdentityGauges implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    private readonly database: Database,
    private readonly keys: SigningKeyStore,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    if (!this.metrics.exported) return;
    const live = this.metrics.gauge(
      'latchkey_active_sessions',
      'Sessions neither revoked nor past their idle expiry (refreshed every METRICS_REFRESH_INTERVAL)',
    );
    const age = this.metrics.gauge(
      'latchkey_signing_key_age_seconds',
      'Seconds since the active signing key was activated',
    );
    const interval = this.settings.keyRotationIntervalSeconds;
    const next =
      interval === undefined
        ? undefined
        : this.metrics.gauge(
            'latchkey_signing_key_next_rotation_seconds',
            'Seconds until KEY_ROTATION_INTERVAL rotates the active key (negative: overdue); absent without a schedule',
          );
    this.metrics.refreshPeriodically(async () => {
      const [row] = await this.database.db
        .select({ count: sql<number>`count(*)::int` })
        .from(sessions)
        .where(and(isNull(sessions.revokedAt), gt(sessions.idleExpiresAt, this.clock.now())));
      live.set(row?.count ?? 0);
    });
    this.metrics.refreshPeriodically(async () => {
      const active = activeKeyOf(await this.keys.list());
      if (!active) return;
      const seconds =
        (this.clock.now().getTime() - (active.activatedAt ?? active.createdAt).getTime()) / 1000;
      age.set(Math.round(seconds));
      if (interval !== undefined) next?.set(Math.round(interval - seconds));
    });
  }
}
