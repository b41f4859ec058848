import { Injectable } from '@nestjs/common';
import { Clock } from '../../../shared-kernel/clock';
import { UnitOfWork } from '../../../shared-kernel/unit-of-work';
import { normalizeEmail } from '../domain/email';
import { PasswordRejected } from '../domain/errors';
import { normalizePassword, PasswordPolicy } from '../domain/password-policy';
import {
  AccountRepository,
  AuditLog,
  IdGenerator,
  PasswordHasher,
  ProfileDirectory,
  type RequestMeta,
} from './ports';
import { toUserPublic, type UserPublic } from './user-public';

export interface RegisterUserCommand {
  email: string;
  password: string;
  name: string;
}

@Injectable()
export class RegisterUser {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly profiles: ProfileDirectory,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: RegisterUserCommand, meta: RequestMeta): Promise<UserPublic> {
    const email = normalizeEmail(command.email);
    const violations = this.policy.violations(command.password, email);
    if (violations.length > 0) throw new PasswordRejected(violations);

    // Hash before the transaction: ~30 ms of argon2 must not hold a transaction open.
    const passwordHash = await this.hasher.hash(normalizePassword(command.password));
    const now = this.clock.now();
    const account = {
      id: this.ids.next(),
      email,
      passwordHash,
      emailVerifiedAt: null,
      disabledAt: null,
      deletedAt: null,
      createdAt: now,
    };
    const name = command.name.trim();

    await this.unitOfWork.run(async () => {
      await this.accounts.create(account); // the unique index decides concurrent duplicates
      await this.profiles.create(account.id, name, now);
      await this.audit.record({ type: 'UserRegistered', userId: account.id, sessionId: null, meta });
    });
    return toUserPublic(account, { name, roles: ['user'] });
  }
}
