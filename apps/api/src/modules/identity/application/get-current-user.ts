import { Injectable } from '@nestjs/common';
import { InvalidAccessToken } from '../domain/errors';
import { AccountRepository, isAccountActive, ProfileDirectory } from './ports';
import { toUserPublic, type UserPublic, UserViewCache } from './user-public';

@Injectable()
export class GetCurrentUser {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly profiles: ProfileDirectory,
    private readonly views: UserViewCache,
  ) {}

  async execute(userId: string): Promise<UserPublic> {
    // The bearer guard has just checked the session (and with it the account) is live.
    const cached = this.views.get(userId);
    if (cached) return cached;
    const [account, profile] = await Promise.all([
      this.accounts.findById(userId),
      this.profiles.find(userId),
    ]);
    // The guard checked the session moments ago; an account deleted since is still refused.
    if (!account || !profile || !isAccountActive(account)) throw new InvalidAccessToken();
    const view = toUserPublic(account, profile);
    this.views.set(userId, view);
    return view;
  }
}
