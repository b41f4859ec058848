import { anAccount, aSession } from '../testing/factories';
import { memoryIdentity, TEST_META } from '../testing/memory-identity';
import { CurrentPasswordIncorrect, InvalidAccessToken, PasswordRejected } from '../domain/errors';
import { PasswordPolicy } from '../domain/password-policy';
import { ChangePassword } from './change-password';

const CURRENT = 'correct horse battery staple';
const NEXT = 'another perfectly long passphrase';

async function setUp() {
  const fakes = memoryIdentity();
  const { clock, audit, accounts, sessions, resets, mailer, hasher, gate } = fakes;
  const policy = new PasswordPolicy(15, { has: (password) => password === 'passwordpassword' });
  const change = new ChangePassword(
    accounts,
    sessions,
    resets,
    mailer,
    hasher,
    policy,
    gate,
    clock,
    fakes.unitOfWork,
    audit,
  );
  const ada = anAccount({ id: 'user-1', email: 'ada@example.com', passwordHash: `hashed(${CURRENT})` });
  accounts.accounts.set(ada.id, ada);
  for (const id of ['this-session', 'laptop', 'phone']) await sessions.seed(aSession(ada.id, { id }));
  await resets.issue(
    {
      id: 'reset-1',
      accountId: ada.id,
      tokenHash: 'reset-hash',
      createdAt: clock.now(),
      expiresAt: new Date(clock.now().getTime() + 60_000),
    },
    clock.now(),
  );
  const run = (currentPassword: string, newPassword: string) =>
    change.execute({ userId: ada.id, sessionId: 'this-session', currentPassword, newPassword }, TEST_META);
  return { clock, audit, accounts, sessions, resets, mailer, hasher, gate, ada, run };
}

describe('ChangePassword', () => {
  it('sets the new hash, ends every other session, voids reset links, emails the owner, records the event', async () => {
    const { audit, accounts, sessions, resets, mailer, gate, ada, run } = await setUp();

    await run(CURRENT, NEXT);

    expect(accounts.accounts.get(ada.id)!.passwordHash).toBe(`hashed(${NEXT})`);
    expect(sessions.sessions.get('this-session')!.revokedAt).toBeNull();
    expect(['laptop', 'phone'].map((id) => sessions.sessions.get(id)!.revokeReason)).toEqual([
      'password_changed',
      'password_changed',
    ]);
    expect(resets.tokens[0]!.voidedAt).not.toBeNull();
    expect(mailer.queued).toEqual([
      expect.objectContaining({ kind: 'password-changed', to: ada.email, via: 'change' }),
    ]);
    expect(audit.events).toEqual([
      expect.objectContaining({
        type: 'PasswordChanged',
        sessionId: 'this-session',
        data: { revokedSessions: 2 },
      }),
    ]);
    expect(gate.calls).toEqual([`begin ${ada.email}`, `succeeded ${ada.email}`]);
  });

  it('refuses a wrong current password through the login attempt gate, changing nothing', async () => {
    const { audit, accounts, sessions, mailer, gate, ada, run } = await setUp();
    await expect(run('not the current one', NEXT)).rejects.toThrow(CurrentPasswordIncorrect);
    gate.verdict = { allowed: false, retryAfterSeconds: 30, firstRefusal: true };
    await expect(run(CURRENT, NEXT)).rejects.toThrow(CurrentPasswordIncorrect); // locked: even the right one

    expect(accounts.accounts.get(ada.id)!.passwordHash).toBe(`hashed(${CURRENT})`);
    expect([...sessions.sessions.values()].every((session) => session.revokedAt === null)).toBe(true);
    expect(mailer.queued).toEqual([]);
    expect(audit.events).toEqual([]);
  });

  it('checks the new password against the policy before any verification or hashing', async () => {
    const { hasher, gate, run } = await setUp();
    await expect(run(CURRENT, 'short')).rejects.toThrow(PasswordRejected);
    await expect(run(CURRENT, 'passwordpassword')).rejects.toThrow(PasswordRejected);
    await expect(run(CURRENT, 'my address is ada@example.com')).rejects.toThrow(PasswordRejected);
    expect(hasher.calls).toEqual([]);
    expect(gate.calls).toEqual([]);
  });

  it('answers for an account disabled since the token was issued as for a bad token', async () => {
    const { accounts, ada, run } = await setUp();
    accounts.accounts.get(ada.id)!.disabledAt = new Date();
    await expect(run(CURRENT, NEXT)).rejects.toThrow(InvalidAccessToken);
  });
});
