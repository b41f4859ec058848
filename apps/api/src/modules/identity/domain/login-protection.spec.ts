import { type AttemptState, beginAttempt, lockSecondsFor, type LockoutPolicy } from './login-protection';

const policy: LockoutPolicy = { threshold: 5, baseSeconds: 30, maxSeconds: 900 };

describe('progressive login protection', () => {
  it('opens windows from the Nth attempt: 30 s, doubling, capped at 15 min', () => {
    expect([1, 4, 5, 6, 7, 8, 9, 10, 11, 20].map((attempt) => lockSecondsFor(attempt, policy))).toEqual([
      0, 0, 30, 60, 120, 240, 480, 900, 900, 900,
    ]);
  });

  it('counts attempts before verification and refuses while a window is open', () => {
    let state: AttemptState | undefined;
    const verdicts = [];
    for (let i = 0; i < 8; i++) {
      const step = beginAttempt(state, 1_000, policy); // all at once: the parallel-guess race
      state = step.state;
      verdicts.push(step.verdict);
    }
    expect(verdicts.filter((verdict) => verdict.allowed)).toHaveLength(5);
    expect(verdicts[4]).toEqual({ allowed: true, attempt: 5, lockSeconds: 30 });
    expect(verdicts[5]).toEqual({ allowed: false, retryAfterSeconds: 30, firstRefusal: true });
    expect(verdicts[6]).toEqual({ allowed: false, retryAfterSeconds: 30, firstRefusal: false });
  });

  it('allows the next attempt once the window has passed, and doubles the following window', () => {
    let state = beginAttempt(undefined, 0, { ...policy, threshold: 1 }).state; // attempt 1 opens 30 s
    expect(beginAttempt(state, 29_999, { ...policy, threshold: 1 }).verdict.allowed).toBe(false);
    const next = beginAttempt(state, 30_000, { ...policy, threshold: 1 });
    expect(next.verdict).toEqual({ allowed: true, attempt: 2, lockSeconds: 60 });
    state = next.state;
    expect(state.lockedUntilMs).toBe(90_000);
  });
});
