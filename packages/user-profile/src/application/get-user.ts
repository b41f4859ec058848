import { Injectable } from '@nestjs/common';
import type { Principal } from '@latchkey/shared-kernel';
import { UserNotFound } from '../domain/errors';
import { ActorAccess } from './actor-access';
import { AccountDirectory, ProfileRepository } from './ports';
import { toUserView, type UserView } from './user-view';

@Injectable()
export class GetUser {
  constructor(
    private readonly access: ActorAccess,
    private readonly accounts: AccountDirectory,
    private readonly profiles: ProfileRepository,
  ) {}

  async execute(principal: Principal, userId: string): Promise<UserView> {
    await this.access.selfOrAdmin(principal, userId, 'users:read');
    return this.view(userId);
  }

  async view(userId: string): Promise<UserView> {
    const [account, profile] = await Promise.all([
      this.accounts.find(userId),
      this.profiles.findByUserId(userId),
    ]);
    if (!account || !profile) throw new UserNotFound();
    return toUserView(account, profile);
  }
}
