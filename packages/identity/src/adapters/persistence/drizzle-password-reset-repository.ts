import { Injectable } from '@nestjs/common';
import { and, asc, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import { Database } from '@latchkey/platform';
import { PasswordResetRepository } from '../../application/ports';
import type { PasswordResetToken } from '../../domain/password-reset-token';
import { passwordResetTokens } from './schema';

const usable = (now: Date) =>
  and(
    isNull(passwordResetTokens.usedAt),
    isNull(passwordResetTokens.voidedAt),
    gt(passwordResetTokens.expiresAt, now),
  );

@Injectable()
export class DrizzlePasswordResetRepository extends PasswordResetRepository {
  constructor(private readonly database: Database) {
    super();
  }

  async issue(token: PasswordResetToken, now: Date): Promise<void> {
    await this.voidAll(token.accountId, now);
    await this.database.db.insert(passwordResetTokens).values(token);
  }

  async findUsable(tokenHash: string, now: Date): Promise<string | undefined> {
    const [row] = await this.database.db
      .select({ accountId: passwordResetTokens.accountId })
      .from(passwordResetTokens)
      .where(and(eq(passwordResetTokens.tokenHash, tokenHash), usable(now)))
      .limit(1);
    return row?.accountId;
  }

  async consume(tokenHash: string, now: Date): Promise<string | undefined> {
    // The WHERE clause is the whole race: concurrent confirms queue on the row lock, and only the
    // first still finds used_at null.
    const [row] = await this.database.db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(and(eq(passwordResetTokens.tokenHash, tokenHash), usable(now)))
      .returning({ accountId: passwordResetTokens.accountId });
    return row?.accountId;
  }

  async voidAll(accountId: string, now: Date): Promise<number> {
    const voided = await this.database.db
      .update(passwordResetTokens)
      .set({ voidedAt: now })
      .where(
        and(
          eq(passwordResetTokens.accountId, accountId),
          isNull(passwordResetTokens.usedAt),
          isNull(passwordResetTokens.voidedAt),
        ),
      )
      .returning({ id: passwordResetTokens.id });
    return voided.length;
  }

  async deleteExpiredBefore(cutoff: Date, limit: number): Promise<number> {
    const oldest = this.database.db
      .select({ id: passwordResetTokens.id })
      .from(passwordResetTokens)
      .where(lt(passwordResetTokens.expiresAt, cutoff))
      .orderBy(asc(passwordResetTokens.expiresAt))
      .limit(limit);
    const deleted = await this.database.db
      .delete(passwordResetTokens)
      .where(inArray(passwordResetTokens.id, oldest))
      .returning({ id: passwordResetTokens.id });
    return deleted.length;
  }
}
