import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import { Database, type PreparedWrite, rowOf } from '@latchkey/platform';
import { EmailVerificationRepository } from '../../application/ports';
import type { EmailVerification } from '../../domain/email-verification';
import { emailVerifications } from './schema';

const VERIFICATION_ROW = {
  id: true,
  accountId: true,
  email: true,
  tokenHash: true,
  codeHash: true,
  failedCodeAttempts: true,
  createdAt: true,
  expiresAt: true,
  usedAt: true,
  voidedAt: true,
  messageId: true,
} as const satisfies Record<keyof EmailVerification, true>;

const unused = () => and(isNull(emailVerifications.usedAt), isNull(emailVerifications.voidedAt));

@Injectable()
export class DrizzleEmailVerificationRepository extends EmailVerificationRepository {
  // Registration writes in one statement (UnitOfWork.runWrites), built once per shape.
  private readonly insert: PreparedWrite<EmailVerification>;

  constructor(private readonly database: Database) {
    super();
    this.insert = database.preparedWrite('email_verification_insert', (db, value) =>
      db.insert(emailVerifications).values(rowOf(VERIFICATION_ROW, value)),
    );
  }

  async voidUnused(accountId: string, now: Date): Promise<void> {
    await this.database.db
      .update(emailVerifications)
      .set({ voidedAt: now })
      .where(and(eq(emailVerifications.accountId, accountId), unused()));
  }

  async add(verification: EmailVerification): Promise<void> {
    await this.insert(verification);
  }

  async latest(accountId: string): Promise<EmailVerification | undefined> {
    const [row] = await this.database.db
      .select()
      .from(emailVerifications)
      .where(eq(emailVerifications.accountId, accountId))
      .orderBy(desc(emailVerifications.createdAt), desc(emailVerifications.id)) // UUIDv7: creation order
      .limit(1);
    return row;
  }

  createdSince(
    accountId: string,
    since: Date,
  ): Promise<Pick<EmailVerification, 'id' | 'createdAt' | 'failedCodeAttempts'>[]> {
    return this.database.db
      .select({
        id: emailVerifications.id,
        createdAt: emailVerifications.createdAt,
        failedCodeAttempts: emailVerifications.failedCodeAttempts,
      })
      .from(emailVerifications)
      .where(and(eq(emailVerifications.accountId, accountId), gte(emailVerifications.createdAt, since)));
  }

  async consumeByToken(tokenHash: string, now: Date): Promise<EmailVerification | undefined> {
    const [row] = await this.database.db
      .update(emailVerifications)
      .set({ usedAt: now })
      .where(
        and(eq(emailVerifications.tokenHash, tokenHash), unused(), gt(emailVerifications.expiresAt, now)),
      )
      .returning();
    return row;
  }

  async lockCurrent(accountId: string): Promise<EmailVerification | undefined> {
    // Wrong codes are counted under this lock: parallel guesses queue, and each sees the count
    // the previous one left, so five is five whatever the concurrency.
    const [row] = await this.database.db
      .select()
      .from(emailVerifications)
      .where(and(eq(emailVerifications.accountId, accountId), unused()))
      .orderBy(desc(emailVerifications.createdAt), desc(emailVerifications.id)) // UUIDv7: creation order
      .limit(1)
      .for('update');
    return row;
  }

  async recordWrongCode(id: string): Promise<void> {
    await this.database.db
      .update(emailVerifications)
      .set({ failedCodeAttempts: sql`${emailVerifications.failedCodeAttempts} + 1` })
      .where(eq(emailVerifications.id, id));
  }

  async markUsed(id: string, now: Date): Promise<void> {
    await this.database.db
      .update(emailVerifications)
      .set({ usedAt: now })
      .where(eq(emailVerifications.id, id));
  }

  async deleteExpiredBefore(cutoff: Date, limit: number): Promise<number> {
    const oldest = this.database.db
      .select({ id: emailVerifications.id })
      .from(emailVerifications)
      .where(lt(emailVerifications.expiresAt, cutoff))
      .orderBy(asc(emailVerifications.expiresAt))
      .limit(limit);
    const deleted = await this.database.db
      .delete(emailVerifications)
      .where(inArray(emailVerifications.id, oldest))
      .returning({ id: emailVerifications.id });
    return deleted.length;
  }
}
