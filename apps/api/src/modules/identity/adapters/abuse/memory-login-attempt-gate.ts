import { LoginAttemptGate } from '../../application/ports';
import {
  type AttemptState,
  type AttemptVerdict,
  beginAttempt,
  type LockoutPolicy,
  stateRetentionMs,
} from '../../domain/login-protection';

/** Attempt counters in this process (single instance). JavaScript runs each step atomically. */
export class MemoryLoginAttemptGate extends LoginAttemptGate {
  private readonly states = new Map<string, AttemptState & { touchedMs: number }>();

  constructor(private readonly policy: LockoutPolicy) {
    super();
  }

  async begin(email: string, now: Date): Promise<AttemptVerdict> {
    const nowMs = now.getTime();
    if (this.states.size > 100_000) this.sweep(nowMs);
    const { state, verdict } = beginAttempt(this.states.get(email), nowMs, this.policy);
    this.states.set(email, { ...state, touchedMs: nowMs });
    return verdict;
  }

  async succeeded(email: string): Promise<void> {
    this.states.delete(email);
  }

  private sweep(nowMs: number): void {
    const retention = stateRetentionMs(this.policy);
    for (const [email, state] of this.states)
      if (nowMs - state.touchedMs > retention) this.states.delete(email);
  }
}
