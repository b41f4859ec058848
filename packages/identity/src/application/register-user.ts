import { Injectable } from '@nestjs/common';
import { BackgroundWork, Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { EmailAlreadyRegistered } from '../domain/errors';
import { normalizePassword, PasswordPolicy } from '../domain/password-policy';
import { AccountOpener } from './account-opener';
import {
  AccountMailer,
  AccountRepository,
  AuditLog,
  IdentitySettings,
  PasswordHasher,
  type RequestMeta,
  IdentityProbe,
} from './ports';
import { isAccountActive } from '../domain/account';
import { toUserPublic, type UserPublic } from './user-public';

export interface RegisterUserCommand {
  email: string;
  password: string;
  name: string;
}

/**
 * `accepted`: REGISTER_UNIFORM_RESPONSE is on, and the caller is told the same thing whether an
 * account was created or the address already had one (whose owner then gets an email instead).
 */
export type Registration = { outcome: 'created'; user: UserPublic } | { outcome: 'accepted' };

@Injectable()
export class RegisterUser {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly opener: AccountOpener,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly mailer: AccountMailer,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
    private readonly background: BackgroundWork,
    private readonly probe: IdentityProbe,
  ) {}

  async execute(command: RegisterUserCommand, meta: RequestMeta): Promise<Registration> {
    const email = normalizeEmail(command.email);
    this.policy.assertAcceptable(command.password, email);
    const name = command.name.trim();

    if (this.settings.registerUniformResponse) {
      // Answered before anything depends on whether the address is taken, so the timing cannot
      // tell either; the account, or the owner's notice, follows in the background.
      this.background.run('registration', async () => {
        try {
          await this.create(email, command.password, name, meta);
        } catch (error) {
          if (!(error instanceof EmailAlreadyRegistered)) throw error;
          await this.tellOwner(email, meta);
        }
      });
      return { outcome: 'accepted' };
    }
    return { outcome: 'created', user: await this.create(email, command.password, name, meta) };
  }

  private async create(
    email: string,
    password: string,
    name: string,
    meta: RequestMeta,
  ): Promise<UserPublic> {
    // Hash first: ~30 ms of argon2 must not hold a transaction open. Then only writes are left,
    // every value known (ids made here, the address's uniqueness left to its index): one statement.
    const passwordHash = await this.hasher.hash(normalizePassword(password));
    const account = await this.unitOfWork.runWrites(() =>
      this.opener.open({ email, passwordHash, name, now: this.clock.now() }, meta),
    );
    this.probe.registered();
    return toUserPublic(account, { name, roles: ['user'] });
  }

  /** Someone registered with a taken address: its owner hears of it; the caller learns nothing. */
  private async tellOwner(email: string, meta: RequestMeta): Promise<void> {
    const owner = await this.accounts.findByEmail(email);
    if (!owner || !isAccountActive(owner)) return;
    const now = this.clock.now();
    await this.unitOfWork.runWrites(async () => {
      await this.mailer.queue({ kind: 'registration-attempt', to: owner.email, at: now });
      await this.audit.record({
        type: 'RegistrationAttemptForExistingAccount',
        userId: owner.id,
        sessionId: null,
        meta,
      });
    });
  }
}
