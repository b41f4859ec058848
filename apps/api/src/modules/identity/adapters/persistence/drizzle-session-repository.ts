import { Injectable } from '@nestjs/common';
import { and, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { Database, type PreparedRead } from '../../../../platform/database/database';
import { type LockedChain, type NewRefreshToken, SessionRepository } from '../../application/ports';
import type { RefreshTokenRecord, RevokeReason, Session } from '../../domain/session';
import { SessionAccessCache } from './session-access-cache';
import { accounts, refreshTokens, sessions } from './schema';

type SessionRow = typeof sessions.$inferSelect;
type TokenRow = typeof refreshTokens.$inferSelect;

const toSession = (row: SessionRow): Session => ({
  ...row,
  revokeReason: row.revokeReason as RevokeReason | null,
});

const toToken = (row: TokenRow): RefreshTokenRecord => ({
  id: row.id,
  sessionId: row.sessionId,
  generation: row.generation,
  createdAt: row.createdAt,
  rotatedAt: row.rotatedAt,
  successorId: row.successorId,
  sealedSuccessor: row.sealedSuccessor,
});

@Injectable()
export class DrizzleSessionRepository extends SessionRepository {
  // The bearer check's query on a cache miss: built once (Database.preparedRead).
  private readonly statusOf: PreparedRead<
    { revokedAt: Date | null; expiresAt: Date; deletedAt: Date | null; disabledAt: Date | null }[]
  >;

  constructor(
    private readonly database: Database,
    private readonly accessCache: SessionAccessCache,
  ) {
    super();
    this.statusOf = database.preparedRead((db) =>
      db
        .select({
          revokedAt: sessions.revokedAt,
          expiresAt: sessions.expiresAt,
          deletedAt: accounts.deletedAt,
          disabledAt: accounts.disabledAt,
        })
        .from(sessions)
        .innerJoin(accounts, eq(accounts.id, sessions.userId))
        .where(eq(sessions.id, sql.placeholder('sessionId')))
        .limit(1),
    );
  }

  async create(session: Session, firstToken: NewRefreshToken): Promise<void> {
    await this.database.db.insert(sessions).values(session);
    await this.database.db.insert(refreshTokens).values({ ...firstToken, sessionId: session.id });
  }

  async findSessionIdByTokenHash(tokenHash: string): Promise<string | undefined> {
    const [row] = await this.database.db
      .select({ sessionId: refreshTokens.sessionId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    return row?.sessionId;
  }

  async lockChain(sessionId: string, presentedTokenHash: string): Promise<LockedChain | undefined> {
    const db = this.database.db;
    // Concurrent refreshes of one chain queue on this row lock. Under READ COMMITTED, the token
    // reads below see whatever the previous holder committed.
    const [locked] = await db
      .select({ session: sessions, deletedAt: accounts.deletedAt, disabledAt: accounts.disabledAt })
      .from(sessions)
      .innerJoin(accounts, eq(accounts.id, sessions.userId))
      .where(eq(sessions.id, sessionId))
      .for('update', { of: sessions });
    if (!locked) return undefined;

    const tokens = await db
      .select()
      .from(refreshTokens)
      .where(
        or(
          eq(refreshTokens.tokenHash, presentedTokenHash),
          and(eq(refreshTokens.sessionId, sessionId), isNull(refreshTokens.rotatedAt)),
        ),
      );
    const presented = tokens.find((token) => token.tokenHash === presentedTokenHash);
    if (!presented || presented.sessionId !== sessionId) return undefined;
    const live = tokens.find((token) => token.rotatedAt === null);
    return {
      session: toSession(locked.session),
      presented: toToken(presented),
      live: live && toToken(live),
      accountActive: locked.deletedAt === null && locked.disabledAt === null,
    };
  }

  async rotate(input: {
    sessionId: string;
    presentedId: string;
    successor: NewRefreshToken;
    sealedSuccessor: string;
    now: Date;
    idleExpiresAt: Date;
  }): Promise<void> {
    const db = this.database.db;
    // Retire the presented token first: the partial unique index allows one live token per session.
    const retired = await db
      .update(refreshTokens)
      .set({ rotatedAt: input.now, successorId: input.successor.id, sealedSuccessor: input.sealedSuccessor })
      .where(and(eq(refreshTokens.id, input.presentedId), isNull(refreshTokens.rotatedAt)))
      .returning({ id: refreshTokens.id });
    if (retired.length !== 1) throw new Error('refresh token was rotated outside the session lock');
    await db.insert(refreshTokens).values({ ...input.successor, sessionId: input.sessionId });
    await db
      .update(sessions)
      .set({ lastUsedAt: input.now, idleExpiresAt: input.idleExpiresAt })
      .where(eq(sessions.id, input.sessionId));
  }

  async findById(sessionId: string): Promise<Session | undefined> {
    const [row] = await this.database.db.select().from(sessions).where(eq(sessions.id, sessionId)).limit(1);
    return row && toSession(row);
  }

  async revoke(
    sessionIds: string[],
    reason: RevokeReason,
    now: Date,
    options: { reuseDetected?: boolean } = {},
  ): Promise<string[]> {
    if (sessionIds.length === 0) return [];
    const revoked = await this.database.db
      .update(sessions)
      .set({
        revokedAt: now,
        revokeReason: reason,
        ...(options.reuseDetected ? { reuseDetectedAt: now } : {}),
      })
      .where(and(inArray(sessions.id, sessionIds), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    const ids = revoked.map((row) => row.id);
    // Evicting before the commit would let a concurrent bearer check re-cache the old state.
    this.database.afterCommit(() => this.accessCache.evict(ids));
    return ids;
  }

  async listLiveIdsForUser(userId: string): Promise<string[]> {
    const rows = await this.database.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
    return rows.map((row) => row.id);
  }

  async listActiveForUser(userId: string, now: Date): Promise<Session[]> {
    const rows = await this.database.db
      .select()
      .from(sessions)
      .where(
        and(
          eq(sessions.userId, userId),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, now),
          gt(sessions.idleExpiresAt, now),
        ),
      )
      .orderBy(desc(sessions.lastUsedAt));
    return rows.map(toSession);
  }

  async setActiveOrganization(sessionId: string, organizationId: string): Promise<void> {
    await this.database.db
      .update(sessions)
      .set({ activeOrganizationId: organizationId })
      .where(eq(sessions.id, sessionId));
  }

  async accessStatus(sessionId: string, now: Date): Promise<'active' | 'inactive'> {
    const nowMs = now.getTime();
    const cached = this.accessCache.get(sessionId, nowMs);
    if (cached) return cached;
    const [row] = await this.statusOf({ sessionId });
    const status =
      row &&
      row.revokedAt === null &&
      now < row.expiresAt &&
      row.deletedAt === null &&
      row.disabledAt === null
        ? 'active'
        : 'inactive';
    this.accessCache.set(sessionId, status, nowMs);
    return status;
  }
}
