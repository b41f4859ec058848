import { Injectable } from '@nestjs/common';
import { EmailVerificationIssuer } from './email-verification-issuer';
import { AccountRepository, AuditLog, IdGenerator, ProfileDirectory, type RequestMeta } from './ports';
import type { Account } from '../domain/account';

/**
 * A new account as registration and sign-up both write it, inside the caller's unit of work: the
 * account (whose unique index decides concurrent duplicates), its profile, the UserRegistered
 * event and the verification email. The password is hashed before, outside any transaction.
 * Only writes of values made here: registration sends them as one statement
 * (`UnitOfWork.runWrites`), so a read added here would throw there.
 */
@Injectable()
export class AccountOpener {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly profiles: ProfileDirectory,
    private readonly verification: EmailVerificationIssuer,
    private readonly ids: IdGenerator,
    private readonly audit: AuditLog,
  ) {}

  async open(
    input: { email: string; passwordHash: string; name: string; now: Date },
    meta: RequestMeta,
  ): Promise<Account> {
    const account: Account = {
      id: this.ids.next(),
      email: input.email,
      passwordHash: input.passwordHash,
      emailVerifiedAt: null,
      disabledAt: null,
      deletedAt: null,
      createdAt: input.now,
    };
    await this.accounts.create(account);
    await this.profiles.create(account.id, input.name, input.now);
    // The address and name are what the published UserRegistered carries (consumers build a
    // profile from it); erasure redacts them here like every audit event's data.
    await this.audit.record({
      type: 'UserRegistered',
      userId: account.id,
      sessionId: null,
      meta,
      data: { email: account.email, name: input.name },
    });
    await this.verification.issueFirst(account, meta);
    return account;
  }
}
