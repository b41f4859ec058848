import {
  type AddressAttemptState,
  type AttemptState,
  type AttemptVerdict,
  beginAttempt,
  lockSecondsFor,
  type LockoutPolicy,
} from './login-protection';

const policy: LockoutPolicy = { threshold: 5, baseSeconds: 30, maxSeconds: 900 };
/** A real clock's now: an address that never tried has its last attempt at 0. */
const T0 = 1_700_000_000_000;

/** One account's counts, as a gate keeps them: the account's, and each address's. */
class Counts {
  account: AttemptState | undefined;
  readonly addresses = new Map<string, AddressAttemptState>();

  attempt(address: string, nowMs: number, using = policy): AttemptVerdict {
    const step = beginAttempt({ account: this.account, address: this.addresses.get(address) }, nowMs, using);
    this.account = step.account;
    this.addresses.set(address, step.address);
    return step.verdict;
  }
}

describe('progressive login protection', () => {
  it('opens windows from the Nth attempt: 30 s, doubling, capped at 15 min', () => {
    expect([1, 4, 5, 6, 7, 8, 9, 10, 11, 20].map((attempt) => lockSecondsFor(attempt, policy))).toEqual([
      0, 0, 30, 60, 120, 240, 480, 900, 900, 900,
    ]);
  });

  it('counts attempts before verification and refuses while a window is open', () => {
    const counts = new Counts();
    const verdicts = Array.from({ length: 8 }, () => counts.attempt('198.51.100.1', T0)); // all at once
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(5);
    expect(verdicts[4]).toEqual({ allowed: true, attempt: 5, lockSeconds: 30 });
    expect(verdicts[5]).toEqual({ allowed: false, retryAfterSeconds: 30, firstRefusal: true });
    expect(verdicts[6]).toEqual({ allowed: false, retryAfterSeconds: 30, firstRefusal: false });
  });

  it('allows the next attempt once the window has passed, and doubles the following window', () => {
    const counts = new Counts();
    const once = { ...policy, threshold: 1 };
    counts.attempt('198.51.100.1', 0, once); // attempt 1 opens 30 s
    expect(counts.attempt('198.51.100.1', 29_999, once).allowed).toBe(false);
    expect(counts.attempt('198.51.100.1', 30_000, once)).toEqual({
      allowed: true,
      attempt: 2,
      lockSeconds: 60,
    });
    expect(counts.account?.lockedUntilMs).toBe(90_000);
  });

  it('an attacker on many addresses only slows the account down: each address gets one attempt per window', () => {
    const counts = new Counts();
    // Ten fresh addresses guess at once: none has tried yet, so all ten reach a verification.
    const first = Array.from({ length: 10 }, (_, i) => counts.attempt(`203.0.113.${i}`, T0));
    expect(first.every((verdict) => verdict.allowed)).toBe(true);
    // The account's window is now 15 min (its tenth attempt): none of them may try again sooner.
    const second = Array.from({ length: 10 }, (_, i) => counts.attempt(`203.0.113.${i}`, T0 + 60_000));
    expect(second.some((verdict) => verdict.allowed)).toBe(false);
    expect(second[0]).toEqual({ allowed: false, retryAfterSeconds: 840, firstRefusal: true });
    const later = Array.from({ length: 10 }, (_, i) => counts.attempt(`203.0.113.${i + 100}`, T0 + 60_000));
    expect(later.every((verdict) => verdict.allowed)).toBe(true); // new addresses: one each
  });

  it('the owner, on an address of their own, gets their attempt at once however hard the account is attacked', () => {
    const counts = new Counts();
    for (let t = 0; t < 60; t++)
      for (let i = 0; i < 20; i++) counts.attempt(`203.0.113.${i}`, T0 + t * 1_000); // a minute of guesses
    expect(counts.attempt('192.0.2.44', T0 + 60_000)).toMatchObject({ allowed: true });
  });

  it('an owner who just spent their attempt waits one window at most (the cap)', () => {
    const counts = new Counts();
    for (let t = 0; t < 30; t++)
      for (let i = 0; i < 20; i++) counts.attempt(`203.0.113.${i}`, T0 + t * 1_000);
    expect(counts.attempt('192.0.2.44', T0 + 30_000)).toMatchObject({ allowed: true }); // a typo
    const refused = counts.attempt('192.0.2.44', T0 + 31_000);
    expect(refused).toMatchObject({ allowed: false });
    const wait = (refused as { retryAfterSeconds: number }).retryAfterSeconds;
    expect(wait).toBeLessThanOrEqual(policy.maxSeconds);
    // The attacker keeps going; the owner's next turn still comes when the wait is over.
    for (let t = 31; t < 31 + wait; t += 5)
      for (let i = 0; i < 20; i++) counts.attempt(`203.0.113.${i}`, T0 + t * 1_000);
    expect(counts.attempt('192.0.2.44', T0 + (31 + wait) * 1_000)).toMatchObject({ allowed: true });
  });
});
