import { anAccount, aSession } from '../testing/factories';
import { memoryIdentity, TEST_META } from '../testing/memory-identity';
import { InvalidOneTimeToken, PasswordRejected } from '../domain/errors';
import { PasswordPolicy } from '../domain/password-policy';
import { ConfirmPasswordReset } from './confirm-password-reset';

const NEW_PASSWORD = 'another perfectly long passphrase';
const TTL_MS = 30 * 60_000;

async function setUp() {
  const fakes = memoryIdentity();
  const { clock, audit, accounts, sessions, resets, mailer, secrets, hasher, gate } = fakes;
  const confirm = new ConfirmPasswordReset(
    accounts,
    resets,
    sessions,
    mailer,
    secrets,
    hasher,
    new PasswordPolicy(15, { has: () => false }),
    gate,
    clock,
    fakes.unitOfWork,
    audit,
  );
  const ada = anAccount({
    id: 'user-1',
    email: 'ada@example.com',
    passwordHash: 'hashed(old password here)',
  });
  accounts.accounts.set(ada.id, ada);
  for (const id of ['laptop', 'phone']) await sessions.seed(aSession(ada.id, { id }));
  /** Emails a reset link: its token is what the user pastes back. */
  const issue = async () => {
    const token = secrets.token();
    await resets.issue(
      {
        id: `reset-${token}`,
        accountId: ada.id,
        tokenHash: secrets.hash('password-reset', token),
        createdAt: clock.now(),
        expiresAt: new Date(clock.now().getTime() + TTL_MS),
      },
      clock.now(),
    );
    return token;
  };
  const run = (token: string, newPassword = NEW_PASSWORD) =>
    confirm.execute({ token, newPassword }, TEST_META);
  return { clock, audit, accounts, sessions, mailer, hasher, gate, ada, issue, run };
}

describe('ConfirmPasswordReset', () => {
  it('sets the password, verifies the address, ends every session, mails the owner and releases the lockout', async () => {
    const { audit, accounts, sessions, mailer, gate, ada, issue, run } = await setUp();
    const token = await issue();

    await run(token);

    expect(accounts.accounts.get(ada.id)).toMatchObject({
      passwordHash: `hashed(${NEW_PASSWORD})`,
      emailVerifiedAt: expect.any(Date),
    });
    expect([...sessions.sessions.values()].map((session) => session.revokeReason)).toEqual([
      'password_reset',
      'password_reset',
    ]);
    expect(mailer.queued).toEqual([expect.objectContaining({ kind: 'password-changed', via: 'reset' })]);
    expect(audit.events).toEqual([
      expect.objectContaining({
        type: 'PasswordResetCompleted',
        userId: ada.id,
        data: { revokedSessions: 2 },
      }),
    ]);
    expect(gate.calls).toEqual([`release ${ada.email}`]);
  });

  it('works once: a second use of the link is refused', async () => {
    const { issue, run } = await setUp();
    const token = await issue();
    await run(token);
    await expect(run(token, 'yet another long passphrase')).rejects.toThrow(InvalidOneTimeToken);
  });

  it('refuses an older link once a newer one was sent, an expired link, and an unknown one, before hashing', async () => {
    const { clock, hasher, accounts, ada, issue, run } = await setUp();
    const older = await issue();
    const newer = await issue();
    await expect(run(older)).rejects.toThrow(InvalidOneTimeToken);
    await expect(run('secret-never-sent')).rejects.toThrow(InvalidOneTimeToken);
    clock.advance(TTL_MS);
    await expect(run(newer)).rejects.toThrow(InvalidOneTimeToken);
    expect(hasher.calls).toEqual([]);
    expect(accounts.accounts.get(ada.id)!.passwordHash).toBe('hashed(old password here)');
  });

  it('refuses the link of an account disabled since it was sent', async () => {
    const { accounts, ada, issue, run } = await setUp();
    const token = await issue();
    accounts.accounts.get(ada.id)!.disabledAt = new Date();
    await expect(run(token)).rejects.toThrow(InvalidOneTimeToken);
  });

  it('applies the password policy and leaves the link usable for a better password', async () => {
    const { issue, run } = await setUp();
    const token = await issue();
    await expect(run(token, 'too short')).rejects.toThrow(PasswordRejected);
    await expect(run(token)).resolves.toBeUndefined();
  });
});
