import { Injectable } from '@nestjs/common';
import { UserNotFound } from '../domain/errors';
import { AccountDirectory, ProfileRepository } from './ports';
import { SetUserRoles } from './set-user-roles';

/** The first admin (and any later one, by an operator): `pnpm users grant-admin <email>`. */
@Injectable()
export class GrantAdmin {
  constructor(
    private readonly accounts: AccountDirectory,
    private readonly profiles: ProfileRepository,
    private readonly setRoles: SetUserRoles,
  ) {}

  async execute(email: string): Promise<{ userId: string }> {
    const account = await this.accounts.findByEmail(email);
    const profile = account && (await this.profiles.findByUserId(account.id));
    if (!account || !profile) throw new UserNotFound();
    await this.setRoles.apply(account.id, [...profile.roles, 'admin'], null, {
      ip: null,
      userAgent: 'latchkey-cli',
      requestId: null,
    });
    return { userId: account.id };
  }
}
