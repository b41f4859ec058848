import { Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { Metrics } from '@latchkey/platform';
import { IdentityProbe, type LoginOutcome, type RefreshOutcome } from '../../application/ports';

const LOGIN_OUTCOMES: LoginOutcome[] = ['success', 'invalid_credentials', 'locked'];
const REFRESH_OUTCOMES: RefreshOutcome[] = [
  'rotated',
  'grace_replay',
  'reuse_detected',
  'expired',
  'revoked',
  'invalid',
];

/** The log line of a reuse detection, which log-based alarms match (infra/aws, alarms-stack.ts). */
export const REUSE_DETECTED_LOG_LINE = 'refresh token reuse detected; its session was revoked';

/**
 * The use cases' outcomes as Prometheus counters. Every label value starts at 0, so a rate or an
 * alert has a series to read before the first event. `latchkey_logins_total{outcome="rate_limited"}`
 * is counted by the rate limiter, which refuses before the use case runs. A reuse detection is
 * also logged (a warning; the session and account are in the audit log): where nothing scrapes the
 * metrics (AWS), the log line is what an alarm counts.
 */
export class PrometheusIdentityProbe extends IdentityProbe {
  private readonly logins: Counter<'outcome'>;
  private readonly lockouts: Counter;
  private readonly refreshes: Counter<'outcome'>;
  private readonly reuse: Counter;
  private readonly registrations: Counter;
  private readonly logger = new Logger('IdentityProbe');

  constructor(metrics: Metrics) {
    super();
    this.logins = metrics.counter('latchkey_logins_total', 'Login attempts, by outcome', ['outcome']);
    for (const outcome of [...LOGIN_OUTCOMES, 'rate_limited']) this.logins.inc({ outcome }, 0);
    this.lockouts = metrics.counter(
      'latchkey_account_lockouts_total',
      'Failed logins that locked their address (LOGIN_LOCKOUT_*)',
    );
    this.refreshes = metrics.counter('latchkey_refresh_total', 'Refresh attempts, by outcome', ['outcome']);
    for (const outcome of REFRESH_OUTCOMES) this.refreshes.inc({ outcome }, 0);
    this.reuse = metrics.counter(
      'latchkey_refresh_reuse_detected_total',
      'Consumed refresh tokens presented again outside the grace window: each revoked its session (RFC 9700 §4.14.2)',
    );
    this.registrations = metrics.counter(
      'latchkey_registrations_total',
      'Accounts created (register and sign-up)',
    );
  }

  loginAttempted(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  accountLocked(): void {
    this.lockouts.inc();
  }

  refreshed(outcome: RefreshOutcome): void {
    this.refreshes.inc({ outcome });
    if (outcome === 'reuse_detected') {
      this.reuse.inc();
      this.logger.warn({ msg: REUSE_DETECTED_LOG_LINE, outcome });
    }
  }

  registered(): void {
    this.registrations.inc();
  }
}
