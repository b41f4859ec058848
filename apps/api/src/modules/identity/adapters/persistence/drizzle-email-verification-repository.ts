import { Injectable } from '@nestjs/common';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { Database } from '../../../../platform/database/database';
import { type EmailVerification, EmailVerificationRepository } from '../../application/ports';
import { emailVerifications } from './schema';

const unused = () => and(isNull(emailVerifications.usedAt), isNull(emailVerifications.voidedAt));

@Injectable()
export class DrizzleEmailVerificationRepository extends EmailVerificationRepository {
  constructor(private readonly database: Database) {
    super();
  }

  async voidUnused(accountId: string, now: Date): Promise<void> {
    await this.database.db
      .update(emailVerifications)
      .set({ voidedAt: now })
      .where(and(eq(emailVerifications.accountId, accountId), unused()));
  }

  async add(verification: EmailVerification): Promise<void> {
    await this.database.write((db) => db.insert(emailVerifications).values(verification));
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
}
