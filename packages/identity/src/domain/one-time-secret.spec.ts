import {
  checkCode,
  dailyAllowanceWaitSeconds,
  expiryAfter,
  isUsable,
  MAX_CODE_ATTEMPTS,
  MAX_CODE_ATTEMPTS_PER_DAY,
  MAX_VERIFICATION_EMAILS_PER_DAY,
  resendWaitSeconds,
} from './one-time-secret';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('one-time secrets', () => {
  it('are usable until used, voided or expired', () => {
    const fresh = { expiresAt: expiryAfter(t0, 60), usedAt: null, voidedAt: null };
    expect(isUsable(fresh, at(59))).toBe(true);
    expect(isUsable(fresh, at(60))).toBe(false);
    expect(isUsable({ ...fresh, usedAt: at(1) }, at(2))).toBe(false);
    expect(isUsable({ ...fresh, voidedAt: at(1) }, at(2))).toBe(false);
  });

  it('accept the right code until the wrong ones are spent, then refuse even the right one', () => {
    const attempts = (failedOnThisCode: number, failedToday = failedOnThisCode) => ({
      failedOnThisCode,
      failedToday,
    });
    expect(checkCode(attempts(0), true)).toBe('accept');
    expect(checkCode(attempts(MAX_CODE_ATTEMPTS - 1), false)).toBe('wrong');
    expect(checkCode(attempts(MAX_CODE_ATTEMPTS - 1), true)).toBe('accept');
    expect(checkCode(attempts(MAX_CODE_ATTEMPTS), true)).toBe('exhausted');
  });

  it("refuse codes, even a fresh code's right one, once the account's daily wrong guesses are spent", () => {
    const fresh = (failedToday: number) => ({ failedOnThisCode: 0, failedToday });
    expect(checkCode(fresh(MAX_CODE_ATTEMPTS_PER_DAY - 1), false)).toBe('wrong');
    expect(checkCode(fresh(MAX_CODE_ATTEMPTS_PER_DAY - 1), true)).toBe('accept');
    expect(checkCode(fresh(MAX_CODE_ATTEMPTS_PER_DAY), true)).toBe('exhausted');
  });

  it('hold resends back for the cooldown, unless the previous email could not be sent', () => {
    expect(resendWaitSeconds(undefined, t0, 60)).toBe(0);
    expect(resendWaitSeconds({ createdAt: t0, delivery: 'sent' }, at(15), 60)).toBe(45);
    expect(resendWaitSeconds({ createdAt: t0, delivery: 'queued' }, at(0.5), 60)).toBe(60);
    expect(resendWaitSeconds({ createdAt: t0, delivery: 'sent' }, at(60), 60)).toBe(0);
    expect(resendWaitSeconds({ createdAt: t0, delivery: 'retrying' }, at(1), 60)).toBe(0);
    expect(resendWaitSeconds({ createdAt: t0, delivery: 'failed' }, at(1), 60)).toBe(0);
  });

  it('allow ten verification emails in any 24 hours, then say when the next one may go', () => {
    const hours = (h: number) => at(h * 3600);
    const nine = Array.from({ length: MAX_VERIFICATION_EMAILS_PER_DAY - 1 }, (_, i) => hours(i));
    expect(dailyAllowanceWaitSeconds(nine, hours(10))).toBe(0);
    const ten = [...nine, hours(9)];
    // The oldest (hour 0) leaves the window at hour 24.
    expect(dailyAllowanceWaitSeconds(ten, hours(10))).toBe(14 * 3600);
    expect(dailyAllowanceWaitSeconds(ten, hours(24))).toBe(0);
    // Order does not matter, and emails older than a day do not count.
    expect(dailyAllowanceWaitSeconds([...ten].reverse(), hours(10))).toBe(14 * 3600);
    expect(dailyAllowanceWaitSeconds([hours(-30), ...nine], hours(10))).toBe(0);
  });
});
