import { anAccount } from '../testing/factories';
import { memoryIdentity, TEST_META } from '../testing/memory-identity';
import { EmailAlreadyRegistered, PasswordRejected } from '../domain/errors';
import { PasswordPolicy } from '../domain/password-policy';
import { AccountOpener } from './account-opener';
import { EmailVerificationIssuer } from './email-verification-issuer';
import { SignUp, type SignUpCommand } from './sign-up';

const GRACE: SignUpCommand = {
  email: 'Grace@Example.com',
  password: 'another perfectly long passphrase',
  name: ' Grace Hopper ',
  organization: { name: 'Acme', slug: 'acme' },
  deviceId: 'laptop',
};

function setUp() {
  const fakes = memoryIdentity();
  const { clock, audit, accounts, sessions, profiles, verifications, mailer, hasher, ids, settings } = fakes;
  const { unitOfWork, starter } = fakes;
  const opener = new AccountOpener(
    accounts,
    profiles,
    new EmailVerificationIssuer(
      verifications,
      mailer,
      fakes.secrets,
      fakes.lock,
      settings,
      ids,
      clock,
      unitOfWork,
      audit,
    ),
    ids,
    audit,
  );
  const signUp = new SignUp(
    opener,
    profiles,
    hasher,
    new PasswordPolicy(15, { has: () => false }),
    starter,
    ids,
    clock,
    unitOfWork,
    fakes.probe,
  );
  /** Everything the fakes hold, to compare before and after. */
  const state = () =>
    structuredClone({
      accounts: accounts.accounts,
      profiles: profiles.profiles,
      organizations: profiles.organizations,
      memberships: profiles.memberships,
      sessions: sessions.sessions,
      tokens: sessions.tokens,
      verifications: verifications.verifications,
      mail: mailer.queued,
      events: audit.events,
    });
  const run = (command: SignUpCommand = GRACE) => signUp.execute(command, TEST_META);
  return { audit, accounts, sessions, profiles, verifications, mailer, hasher, state, run };
}

describe('SignUp', () => {
  it('writes the account, profile, organization, owner membership, verification and session together', async () => {
    const { audit, accounts, sessions, profiles, mailer, run } = setUp();

    const signedUp = await run();

    const userId = signedUp.user.id;
    expect(signedUp.user).toMatchObject({
      email: 'grace@example.com',
      name: 'Grace Hopper',
      emailVerified: false,
    });
    expect(signedUp.organization).toMatchObject({ name: 'Acme', slug: 'acme' });
    expect(accounts.accounts.get(userId)!.passwordHash).toBe(`hashed(${GRACE.password})`);
    expect(profiles.memberships.get(userId)).toEqual([
      { organizationId: signedUp.organization.id, role: 'ORGANIZATION_OWNER' },
    ]);
    expect(sessions.sessions.get(signedUp.tokens.sessionId)).toMatchObject({
      userId,
      deviceId: 'laptop',
      activeOrganizationId: signedUp.organization.id,
    });
    expect(signedUp.tokens.accessToken).toBe(
      `at(${userId},${signedUp.tokens.sessionId},${signedUp.organization.id})`,
    );
    expect(mailer.kinds()).toEqual(['email-verification']);
    expect(audit.types()).toEqual(['UserRegistered', 'EmailVerificationSent', 'UserLoggedIn']);
    expect(audit.events.at(-1)!.data).toEqual({
      deviceId: 'laptop',
      via: 'signup',
      organizationId: expect.any(String),
    });
  });

  it('refuses a password the policy rejects before hashing or writing anything', async () => {
    const { hasher, state, run } = setUp();
    const before = state();
    await expect(run({ ...GRACE, password: 'too short' })).rejects.toThrow(PasswordRejected);
    expect(hasher.calls).toEqual([]);
    expect(state()).toEqual(before);
  });

  it('leaves nothing behind when the address is taken', async () => {
    const { accounts, state, run } = setUp();
    const taken = anAccount({ email: 'grace@example.com' });
    accounts.accounts.set(taken.id, taken);
    const before = state();
    await expect(run()).rejects.toThrow(EmailAlreadyRegistered);
    expect(state()).toEqual(before);
  });

  // A failure at each later write (a taken slug, a lost connection) rolls back every earlier one.
  const steps: [string, (fakes: ReturnType<typeof setUp>) => jest.SpyInstance][] = [
    ['the profile', ({ profiles }) => jest.spyOn(profiles, 'create')],
    ['the UserRegistered event', ({ audit }) => jest.spyOn(audit, 'record')],
    ['the verification email', ({ mailer }) => jest.spyOn(mailer, 'queue')],
    ['the verification', ({ verifications }) => jest.spyOn(verifications, 'add')],
    ['the organization (a taken slug)', ({ profiles }) => jest.spyOn(profiles, 'createOrganization')],
    ['the session', ({ sessions }) => jest.spyOn(sessions, 'create')],
  ];
  it.each(steps)('leaves nothing behind when writing %s fails', async (_step, spyOn) => {
    const fakes = setUp();
    const before = fakes.state();
    spyOn(fakes).mockRejectedValueOnce(new Error('the write failed'));
    await expect(fakes.run()).rejects.toThrow('the write failed');
    expect(fakes.state()).toEqual(before);
  });

  it('leaves nothing behind when the last write, the UserLoggedIn event, fails', async () => {
    const fakes = setUp();
    const before = fakes.state();
    const record = fakes.audit.record.bind(fakes.audit);
    jest
      .spyOn(fakes.audit, 'record')
      .mockImplementation((event) =>
        event.type === 'UserLoggedIn' ? Promise.reject(new Error('the write failed')) : record(event),
      );
    await expect(fakes.run()).rejects.toThrow('the write failed');
    expect(fakes.state()).toEqual(before);
  });
});
