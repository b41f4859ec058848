import { Injectable } from '@nestjs/common';
import { InvalidAccessToken } from '../domain/errors';
import { AccountRepository, ProfileDirectory } from './ports';
import { isAccountActive } from '../domain/account';
import { UserViewCache } from './ports';
import { toUserPublic, type UserPublic } from './user-public';

@Injectable()
export class GetCurrentUser {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly profiles: ProfileDirectory,
    private readonly views: UserViewCache,
  ) {}

  execute(userId: string): Promise<UserPublic> {
    // The bearer guard has just checked the session (and with it the account) is live.
    return this.views.through(userId, async () => {
      const [account, profile] = await Promise.all([
        this.accounts.findById(userId),
        this.profiles.find(userId),
      ]);
      // The guard checked the session moments ago; an account deleted since is still refused.
      if (!account || !profile || !isAccountActive(account)) throw new InvalidAccessToken();
      return toUserPublic(account, profile);
    });
  }
}
