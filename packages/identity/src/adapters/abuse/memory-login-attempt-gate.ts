import { clientKey } from '@latchkey/platform-http';
import { LoginAttemptGate } from '../../application/ports';
import {
  type AddressAttemptState,
  type AttemptState,
  type AttemptVerdict,
  beginAttempt,
  type LockoutPolicy,
  stateRetentionMs,
} from '../../domain/login-protection';

type Touched<S> = S & { touchedMs: number };

/** Attempt counters in this process (single instance). JavaScript runs each step atomically. */
export class MemoryLoginAttemptGate extends LoginAttemptGate {
  private readonly accounts = new Map<string, Touched<AttemptState>>();
  private readonly addresses = new Map<string, Touched<AddressAttemptState>>();

  constructor(private readonly policy: LockoutPolicy) {
    super();
  }

  async begin(email: string, address: string | null, now: Date): Promise<AttemptVerdict> {
    const nowMs = now.getTime();
    if (this.accounts.size + this.addresses.size > 100_000) this.sweep(nowMs);
    const addressKey = keyOf(email, address);
    const step = beginAttempt(
      { account: this.accounts.get(email), address: this.addresses.get(addressKey) },
      nowMs,
      this.policy,
    );
    this.accounts.set(email, { ...step.account, touchedMs: nowMs });
    this.addresses.set(addressKey, { ...step.address, touchedMs: nowMs });
    return step.verdict;
  }

  async succeeded(email: string, address: string | null): Promise<void> {
    this.accounts.delete(email);
    this.addresses.delete(keyOf(email, address));
  }

  async release(email: string): Promise<void> {
    this.accounts.delete(email);
    // Releases are rare (a reset, a verification): a scan is cheaper than an index kept always.
    const prefix = prefixOf(email);
    for (const key of this.addresses.keys()) if (key.startsWith(prefix)) this.addresses.delete(key);
  }

  private sweep(nowMs: number): void {
    const retention = stateRetentionMs(this.policy);
    for (const states of [this.accounts, this.addresses])
      for (const [key, state] of states) if (nowMs - state.touchedMs > retention) states.delete(key);
  }
}

/** Where an account's address counts start: a newline, which no normalised email holds, ends it. */
const prefixOf = (email: string) => `${email}\n`;
const keyOf = (email: string, address: string | null) => prefixOf(email) + clientKey(address ?? undefined);
