import { Injectable } from '@nestjs/common';
import type { Principal } from '@latchkey/shared-kernel';
import { ActorAccess } from './actor-access';
import { AccountDirectory, ProfileRepository } from './ports';
import { toUserView, type UserView } from './user-view';

export interface UserPage {
  items: UserView[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** Admins page through users in creation order (ids are UUIDv7), optionally by exact email. */
@Injectable()
export class ListUsers {
  constructor(
    private readonly access: ActorAccess,
    private readonly accounts: AccountDirectory,
    private readonly profiles: ProfileRepository,
  ) {}

  async execute(
    principal: Principal,
    query: { cursor?: string; limit: number; email?: string },
  ): Promise<UserPage> {
    await this.access.admin(principal, 'users:read');
    // One more than asked for says whether there is a next page without a count query.
    const accounts = await this.accounts.page({
      afterId: query.cursor,
      limit: query.limit + 1,
      email: query.email,
    });
    const page = accounts.slice(0, query.limit);
    const profiles = new Map((await this.profiles.findMany(page.map((a) => a.id))).map((p) => [p.userId, p]));
    const items = page.flatMap((account) => {
      const profile = profiles.get(account.id);
      return profile ? [toUserView(account, profile)] : [];
    });
    return { items, nextCursor: accounts.length > query.limit ? page[page.length - 1]!.id : null };
  }
}
