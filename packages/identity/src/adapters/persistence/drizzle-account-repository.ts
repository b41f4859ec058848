import { Injectable } from '@nestjs/common';
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import {
  Database,
  isUniqueViolation,
  type PreparedRead,
  type PreparedWrite,
  rowOf,
} from '@latchkey/platform';
import { AccountRepository, UserViewCache } from '../../application/ports';
import type { Account } from '../../domain/account';
import { EmailAlreadyRegistered } from '../../domain/errors';
import { accounts } from './schema';

const columns = {
  id: accounts.id,
  email: accounts.email,
  passwordHash: accounts.passwordHash,
  emailVerifiedAt: accounts.emailVerifiedAt,
  disabledAt: accounts.disabledAt,
  deletedAt: accounts.deletedAt,
  createdAt: accounts.createdAt,
};

const ACCOUNT_ROW = {
  id: true,
  email: true,
  passwordHash: true,
  emailVerifiedAt: true,
  disabledAt: true,
  deletedAt: true,
  createdAt: true,
} as const satisfies Record<keyof Account, true>;

@Injectable()
export class DrizzleAccountRepository extends AccountRepository {
  // Every login and every GET /auth/me: built once (Database.preparedRead).
  private readonly byEmail: PreparedRead<Account[]>;
  private readonly byId: PreparedRead<Account[]>;
  // Registration and login write in one statement (UnitOfWork.runWrites), built once per shape.
  private readonly insert: PreparedWrite<Account & { updatedAt: Date }>;
  private readonly setPasswordHash: PreparedWrite<{ id: string; passwordHash: string; now: Date }>;

  constructor(
    private readonly database: Database,
    private readonly views: UserViewCache,
  ) {
    super();
    this.byEmail = database.preparedRead('account_by_email', (db) =>
      db
        .select(columns)
        .from(accounts)
        .where(and(sql`lower(${accounts.email}) = ${sql.placeholder('email')}`, isNull(accounts.deletedAt)))
        .limit(1),
    );
    this.byId = database.preparedRead('account_by_id', (db) =>
      db
        .select(columns)
        .from(accounts)
        .where(eq(accounts.id, sql.placeholder('id')))
        .limit(1),
    );
    this.insert = database.preparedWrite(
      'account_insert',
      (db, value) => db.insert(accounts).values(rowOf({ ...ACCOUNT_ROW, updatedAt: true }, value)),
      (error) => (isUniqueViolation(error, 'accounts_email_key') ? new EmailAlreadyRegistered() : undefined),
    );
    this.setPasswordHash = database.preparedWrite('account_password_hash', (db, value) =>
      db
        .update(accounts)
        // drizzle's types take no placeholder in set(); wrapped in sql, it is one all the same.
        .set({ passwordHash: sql`${value('passwordHash')}`, updatedAt: sql`${value('now')}` })
        .where(eq(accounts.id, value('id'))),
    );
  }

  async create(account: Account): Promise<void> {
    await this.insert({ ...account, updatedAt: account.createdAt });
  }

  async findByEmail(email: string): Promise<Account | undefined> {
    const [row] = await this.byEmail({ email: email.toLowerCase() });
    return row;
  }

  async findById(id: string): Promise<Account | undefined> {
    const [row] = await this.byId({ id });
    return row;
  }

  async updatePasswordHash(id: string, passwordHash: string, now: Date): Promise<void> {
    await this.setPasswordHash({ id, passwordHash, now });
  }

  async findMany(ids: string[]): Promise<Account[]> {
    if (ids.length === 0) return [];
    return this.database.db.select(columns).from(accounts).where(inArray(accounts.id, ids));
  }

  async page(query: { afterId?: string; limit: number; email?: string }): Promise<Account[]> {
    return this.database.db
      .select(columns)
      .from(accounts)
      .where(
        and(
          isNull(accounts.deletedAt),
          query.afterId ? gt(accounts.id, query.afterId) : undefined,
          query.email ? sql`lower(${accounts.email}) = ${query.email.toLowerCase()}` : undefined,
        ),
      )
      .orderBy(asc(accounts.id))
      .limit(query.limit);
  }

  async delete(id: string): Promise<void> {
    await this.database.db.delete(accounts).where(eq(accounts.id, id));
    this.views.forget(id);
  }

  async markEmailVerified(id: string, email: string, now: Date): Promise<boolean> {
    const rows = await this.database.db
      .update(accounts)
      .set({ emailVerifiedAt: sql`coalesce(${accounts.emailVerifiedAt}, ${now})`, updatedAt: now })
      .where(
        and(
          eq(accounts.id, id),
          sql`lower(${accounts.email}) = ${email.toLowerCase()}`,
          isNull(accounts.deletedAt),
          isNull(accounts.disabledAt),
        ),
      )
      .returning({ id: accounts.id });
    // emailVerified is part of the user's cached view.
    if (rows.length > 0) this.views.forget(id);
    return rows.length > 0;
  }
}
