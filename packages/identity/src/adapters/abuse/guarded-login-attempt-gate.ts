import { StoreFailurePolicy } from '@latchkey/platform';
import { LoginAttemptGate } from '../../application/ports';
import type { AttemptVerdict } from '../../domain/login-protection';

/** RATE_LIMIT_FAIL_MODE around a gate whose store may be down: 503 (closed) or let through (open). */
export class GuardedLoginAttemptGate extends LoginAttemptGate {
  constructor(
    private readonly inner: LoginAttemptGate,
    private readonly failure: StoreFailurePolicy,
  ) {
    super();
  }

  begin(email: string, address: string | null, now: Date): Promise<AttemptVerdict> {
    return this.failure.guard('login lockout', () => this.inner.begin(email, address, now), {
      allowed: true,
      attempt: 0,
      lockSeconds: 0,
    });
  }

  succeeded(email: string, address: string | null): Promise<void> {
    return this.failure.guard('login lockout reset', () => this.inner.succeeded(email, address), undefined);
  }

  release(email: string): Promise<void> {
    return this.failure.guard('login lockout release', () => this.inner.release(email), undefined);
  }
}
