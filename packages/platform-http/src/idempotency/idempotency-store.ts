import { Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import { Database } from '@latchkey/platform';
import { idempotencyRecords } from './schema';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim this old whose request never completed belongs to a crashed process: take it over. */
export const ABANDONED_CLAIM_MS = 60 * 1000;

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'in_flight' }
  | { kind: 'mismatch' }
  | { kind: 'replay'; status: number; body: unknown };

/**
 * Idempotency records, outside any use-case transaction on purpose: a claim must be visible to a
 * concurrent duplicate while the first request still runs (it answers 409 instead of waiting).
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly database: Database) {}

  async claim(scope: string, key: string, requestHash: string, now: Date): Promise<Claim> {
    const db = this.database.db;
    const fresh = {
      requestHash,
      state: 'in_flight' as const,
      createdAt: now,
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
    };
    const inserted = await db
      .insert(idempotencyRecords)
      .values({ scope, key, ...fresh })
      .onConflictDoNothing()
      .returning({ key: idempotencyRecords.key });
    if (inserted.length === 1) return { kind: 'claimed' };

    const takenOver = await db
      .update(idempotencyRecords)
      .set({ ...fresh, responseStatus: null, responseBody: null })
      .where(
        and(
          eq(idempotencyRecords.scope, scope),
          eq(idempotencyRecords.key, key),
          or(
            lte(idempotencyRecords.expiresAt, now),
            and(
              eq(idempotencyRecords.state, 'in_flight'),
              lte(idempotencyRecords.createdAt, new Date(now.getTime() - ABANDONED_CLAIM_MS)),
            ),
          ),
        ),
      )
      .returning({ key: idempotencyRecords.key });
    if (takenOver.length === 1) return { kind: 'claimed' };

    const [existing] = await db
      .select()
      .from(idempotencyRecords)
      .where(and(eq(idempotencyRecords.scope, scope), eq(idempotencyRecords.key, key)));
    if (!existing) return this.claim(scope, key, requestHash, now); // released meanwhile: try again
    if (existing.requestHash !== requestHash) return { kind: 'mismatch' };
    if (existing.state === 'in_flight') return { kind: 'in_flight' };
    return { kind: 'replay', status: existing.responseStatus!, body: existing.responseBody };
  }

  async complete(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.database.db
      .update(idempotencyRecords)
      .set({ state: 'completed', responseStatus: status, responseBody: body })
      .where(and(eq(idempotencyRecords.scope, scope), eq(idempotencyRecords.key, key)));
  }

  /** The request failed: forget the key so the client may retry with it. */
  async release(scope: string, key: string): Promise<void> {
    await this.database.db
      .delete(idempotencyRecords)
      .where(
        and(
          eq(idempotencyRecords.scope, scope),
          eq(idempotencyRecords.key, key),
          eq(idempotencyRecords.state, 'in_flight'),
        ),
      );
  }

  /** Clean-up: deletes up to `limit` records past their expiry; how many. */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    const expired = this.database.db
      .select({ scope: idempotencyRecords.scope, key: idempotencyRecords.key })
      .from(idempotencyRecords)
      .where(lte(idempotencyRecords.expiresAt, now))
      .orderBy(asc(idempotencyRecords.expiresAt))
      .limit(limit);
    const deleted = await this.database.db
      .delete(idempotencyRecords)
      .where(inArray(sql`(${idempotencyRecords.scope}, ${idempotencyRecords.key})`, expired))
      .returning({ key: idempotencyRecords.key });
    return deleted.length;
  }
}
