import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '@latchkey/shared-kernel';
import { AccountDirectory, type AccountView } from '@latchkey/user-profile';
import { EraseAccount } from '../../application/erase-account';
import { AccountRepository } from '../../application/ports';
import { type Account, isAccountActive } from '../../domain/account';
import { normalizeEmail } from '../../domain/email';

const toView = (account: Account): AccountView => ({
  id: account.id,
  email: account.email,
  emailVerified: account.emailVerifiedAt !== null,
  createdAt: account.createdAt,
});

/** user-profile's AccountDirectory port, answered from identity's accounts. */
@Injectable()
export class IdentityAccountDirectory extends AccountDirectory {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly eraseAccount: EraseAccount,
  ) {
    super();
  }

  async find(userId: string): Promise<AccountView | undefined> {
    const account = await this.accounts.findById(userId);
    return account && isAccountActive(account) ? toView(account) : undefined;
  }

  async findMany(userIds: string[]): Promise<AccountView[]> {
    return (await this.accounts.findMany(userIds)).filter(isAccountActive).map(toView);
  }

  async findByEmail(email: string): Promise<AccountView | undefined> {
    const account = await this.accounts.findByEmail(normalizeEmail(email));
    return account && isAccountActive(account) ? toView(account) : undefined;
  }

  async page(query: { afterId?: string; limit: number; email?: string }): Promise<AccountView[]> {
    return (await this.accounts.page(query)).map(toView);
  }

  erase(userId: string, meta: RequestMeta): Promise<void> {
    return this.eraseAccount.execute(userId, meta);
  }
}
