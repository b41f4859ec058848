import { Injectable } from '@nestjs/common';
import { and, asc, desc, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { Database, type PreparedRead, type PreparedWrite, rowOf, type Statement } from '@latchkey/platform';
import {
  type ExpiredSession,
  IdGenerator,
  type NewRefreshToken,
  type RefreshChain,
  type Rotation,
  SessionRepository,
} from '../../application/ports';
import type { RefreshTokenRecord, RevokeReason, Session } from '../../domain/session';
import { EventOutbox, eventOutboxInsertFrom, eventOutboxValues } from '@latchkey/platform-messaging';
import { auditRowOf } from './drizzle-audit-log';
import { publishedEventsOf } from './published-events';
import { SessionAccessCache } from './session-access-cache';
import { revocationPayload, SESSIONS_REVOKED_CHANNEL } from './session-revocation-listener';
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

const SESSION_ROW = {
  id: true,
  userId: true,
  deviceId: true,
  userAgent: true,
  ip: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  idleExpiresAt: true,
  revokedAt: true,
  revokeReason: true,
  reuseDetectedAt: true,
  activeOrganizationId: true,
} as const satisfies Record<keyof Session, true>;
const FIRST_TOKEN_ROW = {
  id: true,
  tokenHash: true,
  generation: true,
  createdAt: true,
} as const satisfies Record<keyof NewRefreshToken, true>;

@Injectable()
export class DrizzleSessionRepository extends SessionRepository {
  // The bearer check's query on a cache miss: built once (Database.preparedRead).
  private readonly statusOf: PreparedRead<
    {
      userId: string;
      revokedAt: Date | null;
      expiresAt: Date;
      deletedAt: Date | null;
      disabledAt: Date | null;
    }[]
  >;

  // Every refresh: the presented token, its session and account, and the live token.
  private readonly chainOf: PreparedRead<
    {
      presented: TokenRow;
      session: SessionRow;
      live: TokenRow | null;
      deletedAt: Date | null;
      disabledAt: Date | null;
    }[]
  >;

  /**
   * The rotation, one statement and one round trip: a refresh is a handful of round trips, and
   * each costs more CPU (the socket write, the server's parse and plan) than anything the
   * statement does. The CTEs run in order through their data dependencies: lock the session
   * (waiting behind a concurrent rotation or revocation, then re-checking `revoked_at` on the row
   * it committed), retire the presented token if it is still live, insert the successor, slide
   * the session, record the event. Under READ COMMITTED the retire re-checks `rotated_at` on the
   * newest row version, so of two rotations of one token exactly one writes anything; the other
   * finds no row and writes nothing. The partial unique index still forbids a second live token.
   */
  private readonly rotation: Statement<{ rotated: number }>;

  // Login: the session and its first token, in the login's one statement (UnitOfWork.runWrites).
  private readonly insertSession: PreparedWrite<Session>;
  private readonly insertFirstToken: PreparedWrite<NewRefreshToken & { sessionId: string }>;

  constructor(
    private readonly database: Database,
    private readonly accessCache: SessionAccessCache,
    private readonly ids: IdGenerator,
    private readonly events: EventOutbox,
  ) {
    super();
    this.insertSession = database.preparedWrite('session_insert', (db, value) =>
      db.insert(sessions).values(rowOf(SESSION_ROW, value)),
    );
    this.insertFirstToken = database.preparedWrite('refresh_token_insert', (db, value) =>
      db.insert(refreshTokens).values(rowOf({ ...FIRST_TOKEN_ROW, sessionId: true }, value)),
    );
    const live = alias(refreshTokens, 'live');
    this.chainOf = database.preparedRead('refresh_chain', (db) =>
      db
        .select({
          presented: refreshTokens,
          session: sessions,
          live,
          deletedAt: accounts.deletedAt,
          disabledAt: accounts.disabledAt,
        })
        .from(refreshTokens)
        .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
        .innerJoin(accounts, eq(accounts.id, sessions.userId))
        .leftJoin(live, and(eq(live.sessionId, refreshTokens.sessionId), isNull(live.rotatedAt)))
        .where(eq(refreshTokens.tokenHash, sql.placeholder('tokenHash')))
        .limit(1),
    );
    this.rotation = database.statement(
      'rotate_refresh_token',
      sql`
        with locked as (
          select id from sessions
          where id = ${sql.placeholder('sessionId')}::uuid and revoked_at is null
          for update
        ), retired as (
          update refresh_tokens
          set rotated_at = ${sql.placeholder('now')}::timestamptz,
            successor_id = ${sql.placeholder('successorId')}::uuid,
            sealed_successor = ${sql.placeholder('sealedSuccessor')}::text
          where id = ${sql.placeholder('presentedId')}::uuid and rotated_at is null
            and session_id = (select id from locked)
          returning session_id
        ), inserted as (
          insert into refresh_tokens (id, session_id, token_hash, generation, created_at)
          select ${sql.placeholder('successorId')}::uuid, session_id, ${sql.placeholder('successorHash')}::text,
            ${sql.placeholder('generation')}::int, ${sql.placeholder('createdAt')}::timestamptz
          from retired
          returning session_id
        ), slid as (
          update sessions
          set last_used_at = ${sql.placeholder('now')}::timestamptz,
            idle_expires_at = ${sql.placeholder('idleExpiresAt')}::timestamptz
          where id = (select session_id from inserted)
          returning id
        ), audited as (
          insert into auth_events (id, type, user_id, session_id, ip, user_agent, request_id, occurred_at, data)
          select ${sql.placeholder('eventId')}::uuid, ${sql.placeholder('type')}::text, ${sql.placeholder('userId')}::uuid,
            id, ${sql.placeholder('ip')}::text, ${sql.placeholder('userAgent')}::text, ${sql.placeholder('requestId')}::text,
            ${sql.placeholder('now')}::timestamptz, ${sql.placeholder('data')}::jsonb
          from slid
          returning id
        ), published as (
          ${eventOutboxInsertFrom('audited')}
        )
        select count(*)::int as rotated from audited
      `,
    );
    this.statusOf = database.preparedRead('session_access', (db) =>
      db
        .select({
          userId: sessions.userId,
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
    // In a write batch (login) both go in one statement with the UserLoggedIn event; the foreign
    // key from the token to the session is checked at the end of that statement.
    await this.insertSession(session);
    await this.insertFirstToken({ ...firstToken, sessionId: session.id });
  }

  async findSessionIdByTokenHash(tokenHash: string): Promise<string | undefined> {
    const [row] = await this.database.db
      .select({ sessionId: refreshTokens.sessionId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    return row?.sessionId;
  }

  async findChain(presentedTokenHash: string): Promise<RefreshChain | undefined> {
    const [row] = await this.chainOf({ tokenHash: presentedTokenHash });
    if (!row) return undefined;
    return {
      session: toSession(row.session),
      presented: toToken(row.presented),
      live: row.live ? toToken(row.live) : undefined,
      accountActive: row.deletedAt === null && row.disabledAt === null,
    };
  }

  async rotate(rotation: Rotation): Promise<boolean> {
    const { successor } = rotation;
    // The session id of the row is the locked session's, taken from the statement itself.
    const event = auditRowOf(rotation.event, this.ids.next(), rotation.now);
    const [row] = await this.rotation({
      sessionId: rotation.sessionId,
      presentedId: rotation.presentedId,
      successorId: successor.id,
      successorHash: successor.tokenHash,
      generation: successor.generation,
      createdAt: successor.createdAt,
      sealedSuccessor: rotation.sealedSuccessor,
      now: rotation.now,
      idleExpiresAt: rotation.idleExpiresAt,
      eventId: event.id,
      type: event.type,
      userId: event.userId,
      ip: event.ip,
      userAgent: event.userAgent,
      requestId: event.requestId,
      data: JSON.stringify(event.data),
      events: eventOutboxValues(publishedEventsOf(rotation.event, rotation.now, () => this.ids.next())),
    });
    if (row?.rotated !== 1) return false;
    this.events.notifyAfterCommit();
    return true;
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
    if (ids.length === 0) return ids;
    // Other processes' caches: delivered on commit, like the eviction below (an operator's
    // command or another instance would otherwise honour the access tokens for seconds more).
    await this.database.db.execute(
      sql`select pg_notify(${SESSIONS_REVOKED_CHANNEL}, ${revocationPayload(ids)})`,
    );
    // Evicting before the commit would let a concurrent bearer check re-cache the old state.
    this.database.afterCommit(() => this.accessCache.evict(ids));
    return ids;
  }

  async expireRanOut(now: Date, limit: number): Promise<ExpiredSession[]> {
    // The idle end never passes the absolute end, so "ran out" is the idle end alone. SKIP
    // LOCKED: a session a refresh holds is left for the next run (the refresh will refuse it).
    const rows = await this.database.rows<{ id: string; user_id: string; ended: string }>(sql`
      with ran_out as (
        select id from sessions
        where revoked_at is null and idle_expires_at <= ${now.toISOString()}::timestamptz
        order by idle_expires_at
        limit ${limit}
        for update skip locked
      )
      update sessions set revoked_at = sessions.idle_expires_at, revoke_reason = 'expired'
      from ran_out where sessions.id = ran_out.id
      returning sessions.id, sessions.user_id, sessions.revoked_at::text as ended
    `);
    return rows.map((row) => ({ sessionId: row.id, userId: row.user_id, expiredAt: new Date(row.ended) }));
  }

  async deleteEndedBefore(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.database.rows<{ id: string }>(sql`
      delete from sessions where id in (
        select id from sessions
        where revoked_at is not null and revoked_at < ${cutoff.toISOString()}::timestamptz
        order by revoked_at
        limit ${limit}
        for update skip locked
      )
      returning id
    `);
    return rows.length;
  }

  async listLiveIdsForUser(userId: string): Promise<string[]> {
    const rows = await this.database.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)));
    return rows.map((row) => row.id);
  }

  async listLive(page: {
    createdAtOrBefore: Date;
    afterId: string | undefined;
    limit: number;
  }): Promise<{ id: string; userId: string }[]> {
    // Walks the primary key from `afterId`: one pass over the table however many pages it takes.
    return this.database.db
      .select({ id: sessions.id, userId: sessions.userId })
      .from(sessions)
      .where(
        and(
          isNull(sessions.revokedAt),
          lte(sessions.createdAt, page.createdAtOrBefore),
          page.afterId === undefined ? undefined : gt(sessions.id, page.afterId),
        ),
      )
      .orderBy(asc(sessions.id))
      .limit(page.limit);
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

  async accessStatus(sessionId: string, userId: string, now: Date): Promise<'active' | 'inactive'> {
    const access = await this.accessCache.through(sessionId, now.getTime(), async () => {
      const [row] = await this.statusOf({ sessionId });
      const active =
        row !== undefined &&
        row.revokedAt === null &&
        now < row.expiresAt &&
        row.deletedAt === null &&
        row.disabledAt === null;
      return { status: active ? 'active' : 'inactive', userId: row?.userId };
    });
    // Defence in depth: a token naming another user's session is refused, though only a holder
    // of the signing key could make one.
    return access.userId === userId ? access.status : 'inactive';
  }
}
