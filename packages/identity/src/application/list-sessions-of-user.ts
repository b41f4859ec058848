import { Injectable } from '@nestjs/common';
import { NotFound } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { ListSessions, type SessionView } from './list-sessions';
import { AccountRepository } from './ports';

/** An operator's view of a user's active sessions, by email. */
@Injectable()
export class ListSessionsOfUser {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly listSessions: ListSessions,
  ) {}

  async execute(email: string): Promise<SessionView[]> {
    const account = await this.accounts.findByEmail(normalizeEmail(email));
    if (!account) throw new NotFound(`No account with email ${email}`);
    return this.listSessions.execute(account.id, '');
  }
}
