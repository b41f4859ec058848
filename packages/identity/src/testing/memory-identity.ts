import type { Account } from '../domain/account';
import { EmailAlreadyRegistered } from '../domain/errors';
import type { AttemptVerdict } from '../domain/login-protection';
import type { DeliveryState } from '../domain/one-time-secret';
import type { EmailVerification } from '../domain/email-verification';
import type { PasswordResetToken } from '../domain/password-reset-token';
import type { RefreshTokenRecord, RevokeReason, Session } from '../domain/session';
import type { SigningKey } from '../domain/signing-key';
import { isActive } from '../domain/session';
import {
  AccessTokenIssuer,
  type AccountEmail,
  AccountMailer,
  AccountRepository,
  AuditLog,
  type AuditQuery,
  EmailVerificationRepository,
  type AuthEvent,
  type ExpiredSession,
  type ForwardedAuthEvent,
  IdentitySettings,
  IdGenerator,
  LoginAttemptGate,
  type MembershipSummary,
  type NewRefreshToken,
  type OneTimeSecretPurpose,
  OneTimeSecrets,
  type OrganizationSummary,
  PasswordHasher,
  PasswordResetRepository,
  ProfileDirectory,
  type ProfileSummary,
  type RecordedAuthEvent,
  type RefreshChain,
  RefreshTokenCodec,
  type Rotation,
  SessionRepository,
  TransactionLock,
  IdentityProbe,
  type LoginOutcome,
  type RefreshOutcome,
  SigningKeyStore,
  ClaimsProjectionStore,
  type ProjectedUser,
} from '../application/ports';
import { type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { AccessTokenMinter } from '../application/access-token-minter';
import { SessionStarter } from '../application/session-starter';
import { TestClock } from '@latchkey/shared-kernel/testing';

/**
 * In-memory fakes of identity's ports, for unit tests of the use cases: each keeps the contract
 * its port documents (what the Drizzle adapter's integration tests pin on the real databases),
 * without a database. They are for our own logic; the adapters are tested against real servers.
 */

/** The identity settings at their defaults; override what a test is about. */
export function identitySettings(overrides: Partial<IdentitySettings> = {}): IdentitySettings {
  return {
    accessTokenTtlSeconds: 900,
    refreshTokenTtlSeconds: 7 * 86_400,
    sessionMaxAgeSeconds: 30 * 86_400,
    refreshReuseGraceSeconds: 10,
    passwordMinLength: 15,
    passwordResetTtlSeconds: 1_800,
    emailVerificationTtlSeconds: 86_400,
    verificationResendCooldownSeconds: 60,
    registerUniformResponse: false,
    jwksCacheTtlSeconds: 300,
    rsaBits: 2048,
    keyRotationIntervalSeconds: undefined,
    production: false,
    auditRetentionSeconds: undefined,
    ...overrides,
  };
}

export const TEST_META: RequestMeta = { ip: '203.0.113.7', userAgent: 'unit-test', requestId: 'req-1' };

/** `id-1`, `id-2`, …: readable in assertions. */
export class SequentialIds extends IdGenerator {
  private count = 0;
  next(): string {
    this.count += 1;
    return `id-${this.count}`;
  }
}

/**
 * Refresh tokens as readable strings. A seal opens only with the token it was sealed under, as
 * the HMAC codec's does; `forgetSealKey()` plays a server whose seal key changed.
 */
export class ReadableRefreshTokenCodec extends RefreshTokenCodec {
  private count = 0;
  private sealKey = 'k1';
  generate(): string {
    this.count += 1;
    return `rt-${this.count}`;
  }
  hash(token: string): string {
    return `hash(${token})`;
  }
  seal(successor: string, presented: string): string {
    return JSON.stringify({ key: this.sealKey, presented, successor });
  }
  unseal(sealed: string, presented: string): string | undefined {
    const opened = JSON.parse(sealed) as { key: string; presented: string; successor: string };
    return opened.key === this.sealKey && opened.presented === presented ? opened.successor : undefined;
  }
  forgetSealKey(): void {
    this.sealKey = 'k2';
  }
}

/** Events in the order they were recorded, with the clock's time. */
export class MemoryAuditLog extends AuditLog {
  readonly events: (AuthEvent & { occurredAt: Date })[] = [];
  /** The ids of the forwarded events written (recordForwarded writes each once). */
  private readonly forwarded = new Set<string>();
  constructor(private readonly clock: TestClock) {
    super();
  }
  record(event: AuthEvent): Promise<void> {
    this.events.push({ ...event, occurredAt: this.clock.now() });
    return Promise.resolve();
  }
  async recordAll(events: AuthEvent[]): Promise<void> {
    for (const event of events) await this.record(event);
  }
  recordForwarded(events: ForwardedAuthEvent[]): Promise<void> {
    for (const { id, ...event } of events)
      if (!this.forwarded.has(id)) {
        this.forwarded.add(id);
        this.events.push(event);
      }
    return Promise.resolve();
  }
  redactUser(userId: string): Promise<void> {
    return this.redactLateRecords(userId, []);
  }
  redactLateRecords(userId: string, erasureTypes: readonly string[]): Promise<void> {
    const kept = (event: AuthEvent) => erasureTypes.includes(event.type) && event.meta.ip === null;
    for (const event of this.events.filter((candidate) => candidate.userId === userId && !kept(candidate))) {
      event.meta = { ...event.meta, ip: null, userAgent: null };
      event.data = {};
    }
    return Promise.resolve();
  }
  /** The size of each purge batch, in order. */
  readonly batches: number[] = [];
  purgeBefore(cutoff: Date, limit: number): Promise<number> {
    const oldest = this.events
      .filter((event) => event.occurredAt < cutoff)
      .sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime())
      .slice(0, limit);
    const gone = new Set(oldest);
    this.events.splice(0, this.events.length, ...this.events.filter((event) => !gone.has(event)));
    this.batches.push(oldest.length);
    return Promise.resolve(oldest.length);
  }
  countBefore(cutoff: Date): Promise<number> {
    return Promise.resolve(this.events.filter((event) => event.occurredAt < cutoff).length);
  }
  find(query: AuditQuery): Promise<RecordedAuthEvent[]> {
    return Promise.resolve(
      this.events
        .filter((event) => event.occurredAt >= query.since)
        .filter((event) => event.userId === query.userId || event.data?.email === query.email)
        .filter((event) => query.types.length === 0 || query.types.includes(event.type))
        .reverse()
        .slice(0, query.limit)
        .map((event) => ({
          type: event.type,
          occurredAt: event.occurredAt,
          userId: event.userId,
          sessionId: event.sessionId,
          ip: event.meta.ip,
          userAgent: event.meta.userAgent,
          requestId: event.meta.requestId,
          data: event.data ?? {},
        })),
    );
  }
  types(): string[] {
    return this.events.map((event) => event.type);
  }
}

interface StoredToken extends RefreshTokenRecord {
  tokenHash: string;
}

/**
 * Sessions and their refresh-token chains. `rotate` writes only while the session is unrevoked
 * and the presented token live, like the rotation statement; `beforeRotate` runs just before it
 * decides, to play a concurrent request that got there first.
 */
export class MemorySessionRepository extends SessionRepository {
  readonly sessions = new Map<string, Session>();
  readonly tokens = new Map<string, StoredToken>();
  /** Users whose accounts are disabled or deleted. */
  readonly inactiveUsers = new Set<string>();
  beforeRotate: (() => Promise<void>) | undefined;

  constructor(private readonly audit: AuditLog) {
    super();
  }

  create(session: Session, firstToken: NewRefreshToken): Promise<void> {
    this.sessions.set(session.id, { ...session });
    this.storeToken(session.id, firstToken);
    return Promise.resolve();
  }

  findSessionIdByTokenHash(tokenHash: string): Promise<string | undefined> {
    return Promise.resolve(this.tokenByHash(tokenHash)?.sessionId);
  }

  findChain(presentedTokenHash: string): Promise<RefreshChain | undefined> {
    const presented = this.tokenByHash(presentedTokenHash);
    if (!presented) return Promise.resolve(undefined);
    const session = this.sessions.get(presented.sessionId)!;
    const live = this.liveTokenOf(session.id);
    return Promise.resolve({
      session: { ...session },
      presented: recordOf(presented),
      live: live && recordOf(live),
      accountActive: !this.inactiveUsers.has(session.userId),
    });
  }

  async rotate(rotation: Rotation): Promise<boolean> {
    const hook = this.beforeRotate;
    this.beforeRotate = undefined;
    await hook?.();
    const session = this.sessions.get(rotation.sessionId);
    const presented = this.tokens.get(rotation.presentedId);
    if (!session || session.revokedAt !== null || !presented || presented.rotatedAt !== null) return false;
    presented.rotatedAt = rotation.now;
    presented.successorId = rotation.successor.id;
    presented.sealedSuccessor = rotation.sealedSuccessor;
    this.storeToken(session.id, rotation.successor);
    session.lastUsedAt = rotation.now;
    session.idleExpiresAt = rotation.idleExpiresAt;
    await this.audit.record(rotation.event);
    return true;
  }

  findById(sessionId: string): Promise<Session | undefined> {
    const session = this.sessions.get(sessionId);
    return Promise.resolve(session && { ...session });
  }

  revoke(
    sessionIds: string[],
    reason: RevokeReason,
    now: Date,
    options: { reuseDetected?: boolean } = {},
  ): Promise<string[]> {
    const revoked: string[] = [];
    for (const id of sessionIds) {
      const session = this.sessions.get(id);
      if (!session || session.revokedAt !== null) continue;
      session.revokedAt = now;
      session.revokeReason = reason;
      if (options.reuseDetected) session.reuseDetectedAt = now;
      revoked.push(id);
    }
    return Promise.resolve(revoked);
  }

  listLiveIdsForUser(userId: string): Promise<string[]> {
    return Promise.resolve(
      [...this.sessions.values()]
        .filter((session) => session.userId === userId && session.revokedAt === null)
        .map((session) => session.id),
    );
  }

  listLive(page: {
    createdAtOrBefore: Date;
    afterId: string | undefined;
    limit: number;
  }): Promise<{ id: string; userId: string }[]> {
    return Promise.resolve(
      [...this.sessions.values()]
        .filter((session) => session.revokedAt === null && session.createdAt <= page.createdAtOrBefore)
        .filter((session) => page.afterId === undefined || session.id > page.afterId)
        .sort((a, b) => a.id.localeCompare(b.id))
        .slice(0, page.limit)
        .map((session) => ({ id: session.id, userId: session.userId })),
    );
  }

  setActiveOrganization(sessionId: string, organizationId: string): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session) session.activeOrganizationId = organizationId;
    return Promise.resolve();
  }

  listActiveForUser(userId: string, now: Date): Promise<Session[]> {
    return Promise.resolve(
      [...this.sessions.values()].filter((session) => session.userId === userId && isActive(session, now)),
    );
  }

  accessStatus(sessionId: string, userId: string, now: Date): Promise<'active' | 'inactive'> {
    const session = this.sessions.get(sessionId);
    const active =
      session !== undefined &&
      session.userId === userId &&
      session.revokedAt === null &&
      now < session.expiresAt &&
      !this.inactiveUsers.has(userId);
    return Promise.resolve(active ? 'active' : 'inactive');
  }

  /** A signed-in session holding its first refresh token (`token-<session id>`, generation 0). */
  seed(session: Session, tokenHash = `hash-${session.id}`): Promise<void> {
    return this.create(session, {
      id: `token-${session.id}`,
      tokenHash,
      generation: 0,
      createdAt: session.createdAt,
    });
  }

  /** The token a client holds, by its value's hash. */
  tokenByHash(tokenHash: string): StoredToken | undefined {
    return [...this.tokens.values()].find((token) => token.tokenHash === tokenHash);
  }

  private liveTokenOf(sessionId: string): StoredToken | undefined {
    return [...this.tokens.values()].find(
      (token) => token.sessionId === sessionId && token.rotatedAt === null,
    );
  }

  private storeToken(sessionId: string, token: NewRefreshToken): void {
    this.tokens.set(token.id, {
      id: token.id,
      sessionId,
      tokenHash: token.tokenHash,
      generation: token.generation,
      createdAt: token.createdAt,
      rotatedAt: null,
      successorId: null,
      sealedSuccessor: null,
    });
  }
  expireRanOut(now: Date, limit: number): Promise<ExpiredSession[]> {
    const ranOut = [...this.sessions.values()]
      .filter((session) => session.revokedAt === null && session.idleExpiresAt <= now)
      .sort((a, b) => a.idleExpiresAt.getTime() - b.idleExpiresAt.getTime())
      .slice(0, limit);
    for (const session of ranOut) {
      session.revokedAt = session.idleExpiresAt;
      session.revokeReason = 'expired';
    }
    return Promise.resolve(
      ranOut.map((session) => ({
        sessionId: session.id,
        userId: session.userId,
        expiredAt: session.idleExpiresAt,
      })),
    );
  }

  deleteEndedBefore(cutoff: Date, limit: number): Promise<number> {
    const ended = [...this.sessions.values()]
      .filter((session) => session.revokedAt !== null && session.revokedAt < cutoff)
      .slice(0, limit);
    for (const session of ended) {
      this.sessions.delete(session.id);
      for (const [hash, token] of this.tokens) if (token.sessionId === session.id) this.tokens.delete(hash);
    }
    return Promise.resolve(ended.length);
  }
}

function recordOf(token: StoredToken): RefreshTokenRecord {
  const { tokenHash: _hash, ...record } = token;
  return { ...record };
}

/** Access tokens that say what they were issued for: `at(<user>,<session>,<org>)`. */
export class ReadableAccessTokens extends AccessTokenIssuer {
  readonly issued: Parameters<AccessTokenIssuer['issue']>[0][] = [];
  issue(input: Parameters<AccessTokenIssuer['issue']>[0]): Promise<{ token: string; expiresIn: number }> {
    this.issued.push(input);
    return Promise.resolve({
      token: `at(${input.userId},${input.sessionId},${input.organization?.id ?? '-'})`,
      expiresIn: 900,
    });
  }
}

/** Profiles and memberships, as user-profile would answer them. */
export class MemoryProfileDirectory extends ProfileDirectory {
  readonly profiles = new Map<string, ProfileSummary>();
  readonly memberships = new Map<string, MembershipSummary[]>();
  readonly organizations = new Map<string, OrganizationSummary>();

  create(userId: string, name: string): Promise<void> {
    this.profiles.set(userId, { name, roles: ['user'] });
    return Promise.resolve();
  }
  find(userId: string): Promise<ProfileSummary | undefined> {
    return Promise.resolve(this.profiles.get(userId));
  }
  claimsOf(userId: string): Promise<{ roles: string[]; memberships: MembershipSummary[] } | undefined> {
    const profile = this.profiles.get(userId);
    return Promise.resolve(
      profile && { roles: profile.roles, memberships: this.memberships.get(userId) ?? [] },
    );
  }
  validateSlug(): void {}
  createOrganization(input: {
    id: string;
    name: string;
    slug: string;
    ownerId: string;
    now: Date;
  }): Promise<OrganizationSummary> {
    const organization = { id: input.id, name: input.name, slug: input.slug, createdAt: input.now };
    this.organizations.set(input.id, organization);
    this.memberships.set(input.ownerId, [
      ...(this.memberships.get(input.ownerId) ?? []),
      { organizationId: input.id, role: 'ORGANIZATION_OWNER' },
    ]);
    return Promise.resolve(organization);
  }
  membershipsOf(userId: string): Promise<MembershipSummary[]> {
    return Promise.resolve(this.memberships.get(userId) ?? []);
  }
}

/** Accounts by id; `findByEmail` sees live accounts only, as the unique index on live rows does. */
export class MemoryAccountRepository extends AccountRepository {
  readonly accounts = new Map<string, Account>();

  create(account: Account): Promise<void> {
    if (
      [...this.accounts.values()].some((other) => other.email === account.email && other.deletedAt === null)
    )
      return Promise.reject(new EmailAlreadyRegistered());
    this.accounts.set(account.id, { ...account });
    return Promise.resolve();
  }
  findByEmail(email: string): Promise<Account | undefined> {
    const found = [...this.accounts.values()].find(
      (account) => account.email === email && account.deletedAt === null,
    );
    return Promise.resolve(found && { ...found });
  }
  findById(id: string): Promise<Account | undefined> {
    const found = this.accounts.get(id);
    return Promise.resolve(found && { ...found });
  }
  findMany(ids: string[]): Promise<Account[]> {
    return Promise.resolve(
      ids.flatMap((id) => (this.accounts.has(id) ? [{ ...this.accounts.get(id)! }] : [])),
    );
  }
  updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    this.accounts.get(id)!.passwordHash = passwordHash;
    return Promise.resolve();
  }
  markEmailVerified(id: string, email: string, now: Date): Promise<boolean> {
    const account = this.accounts.get(id);
    if (!account || account.email !== email) return Promise.resolve(false);
    account.emailVerifiedAt ??= now;
    return Promise.resolve(true);
  }
  page(query: { afterId?: string; limit: number; email?: string }): Promise<Account[]> {
    return Promise.resolve(
      [...this.accounts.values()]
        .filter((account) => account.deletedAt === null)
        .filter((account) => query.email === undefined || account.email === query.email)
        .filter((account) => query.afterId === undefined || account.id > query.afterId)
        .sort((a, b) => a.id.localeCompare(b.id))
        .slice(0, query.limit),
    );
  }
  delete(id: string): Promise<void> {
    this.accounts.delete(id);
    return Promise.resolve();
  }
}

/**
 * A password hash is `hashed(<password>)`; one that starts with `old:` verifies too but asks for
 * a rehash. Every call is counted, so a test can see that an unknown account cost a (dummy)
 * verification and a refused attempt none.
 */
export class ReadablePasswordHasher extends PasswordHasher {
  readonly calls: ('hash' | 'verify' | 'dummy')[] = [];
  hash(plain: string): Promise<string> {
    this.calls.push('hash');
    return Promise.resolve(`hashed(${plain})`);
  }
  verify(hash: string, plain: string): Promise<{ ok: boolean; needsRehash: boolean }> {
    this.calls.push('verify');
    const ok = hash === `hashed(${plain})` || hash === `old:hashed(${plain})`;
    return Promise.resolve({ ok, needsRehash: ok && hash.startsWith('old:') });
  }
  verifyDummy(): Promise<void> {
    this.calls.push('dummy');
    return Promise.resolve();
  }
}

/** The attempt gate, answering the verdict a test sets; it records what it was told. */
export class ScriptedAttemptGate extends LoginAttemptGate {
  verdict: AttemptVerdict = { allowed: true, attempt: 1, lockSeconds: 0 };
  readonly calls: string[] = [];
  begin(email: string): Promise<AttemptVerdict> {
    this.calls.push(`begin ${email}`);
    return Promise.resolve(this.verdict);
  }
  succeeded(email: string): Promise<void> {
    this.calls.push(`succeeded ${email}`);
    return Promise.resolve();
  }
  release(email: string): Promise<void> {
    this.calls.push(`release ${email}`);
    return Promise.resolve();
  }
}

/** Reset tokens; only the newest unused one of an account works, and works once. */
export class MemoryPasswordResetRepository extends PasswordResetRepository {
  readonly tokens: (PasswordResetToken & { usedAt: Date | null; voidedAt: Date | null })[] = [];
  async issue(token: PasswordResetToken, now: Date): Promise<void> {
    await this.voidAll(token.accountId, now);
    this.tokens.push({ ...token, usedAt: null, voidedAt: null });
  }
  findUsable(tokenHash: string, now: Date): Promise<string | undefined> {
    return Promise.resolve(this.usable(tokenHash, now)?.accountId);
  }
  consume(tokenHash: string, now: Date): Promise<string | undefined> {
    const token = this.usable(tokenHash, now);
    if (token) token.usedAt = now;
    return Promise.resolve(token?.accountId);
  }
  voidAll(accountId: string, now: Date): Promise<number> {
    const live = this.tokens.filter(
      (t) => t.accountId === accountId && t.usedAt === null && t.voidedAt === null,
    );
    for (const token of live) token.voidedAt = now;
    return Promise.resolve(live.length);
  }
  private usable(tokenHash: string, now: Date) {
    return this.tokens.find(
      (t) => t.tokenHash === tokenHash && t.usedAt === null && t.voidedAt === null && now < t.expiresAt,
    );
  }
  deleteExpiredBefore(cutoff: Date, limit: number): Promise<number> {
    const gone = this.tokens.filter((token) => token.expiresAt < cutoff).slice(0, limit);
    for (const token of gone) this.tokens.splice(this.tokens.indexOf(token), 1);
    return Promise.resolve(gone.length);
  }
}

/** Secrets and their hashes as readable strings. */
export class ReadableOneTimeSecrets extends OneTimeSecrets {
  private count = 0;
  token(): string {
    this.count += 1;
    return `secret-${this.count}`;
  }
  code(): string {
    this.count += 1;
    return String(100_000 + this.count);
  }
  hash(purpose: OneTimeSecretPurpose, value: string): string {
    return `${purpose}:${value}`;
  }
  matches(purpose: OneTimeSecretPurpose, value: string, storedHash: string): boolean {
    return this.hash(purpose, value) === storedHash;
  }
}

/** The mail queued, in order; each message is `queued` until a test says otherwise. */
export class MemoryAccountMailer extends AccountMailer {
  readonly queued: (AccountEmail & { id: string; state: DeliveryState })[] = [];
  queue(email: AccountEmail): Promise<string> {
    const id = `mail-${this.queued.length + 1}`;
    this.queued.push({ ...email, id, state: 'queued' });
    return Promise.resolve(id);
  }
  deliveryState(messageId: string): Promise<DeliveryState> {
    return Promise.resolve(this.queued.find((mail) => mail.id === messageId)?.state ?? 'cancelled');
  }
  cancel(messageId: string): Promise<void> {
    const mail = this.queued.find((candidate) => candidate.id === messageId);
    if (mail && mail.state === 'queued') mail.state = 'cancelled';
    return Promise.resolve();
  }
  forget(address: string): Promise<void> {
    for (const mail of this.queued.filter((candidate) => candidate.to === address))
      this.queued.splice(this.queued.indexOf(mail), 1);
    return Promise.resolve();
  }
  kinds(): string[] {
    return this.queued.map((mail) => mail.kind);
  }
}

/** Verifications in insertion order; consuming one by its link token works once, before expiry. */
export class MemoryEmailVerificationRepository extends EmailVerificationRepository {
  readonly verifications: EmailVerification[] = [];
  voidUnused(accountId: string, now: Date): Promise<void> {
    for (const v of this.verifications)
      if (v.accountId === accountId && v.usedAt === null && v.voidedAt === null) v.voidedAt = now;
    return Promise.resolve();
  }
  add(verification: EmailVerification): Promise<void> {
    this.verifications.push({ ...verification });
    return Promise.resolve();
  }
  latest(accountId: string): Promise<EmailVerification | undefined> {
    return Promise.resolve(this.verifications.filter((v) => v.accountId === accountId).at(-1));
  }
  createdSince(accountId: string, since: Date): Promise<EmailVerification[]> {
    return Promise.resolve(
      this.verifications.filter((v) => v.accountId === accountId && v.createdAt >= since),
    );
  }
  consumeByToken(tokenHash: string, now: Date): Promise<EmailVerification | undefined> {
    const found = this.verifications.find(
      (v) => v.tokenHash === tokenHash && v.usedAt === null && v.voidedAt === null && now < v.expiresAt,
    );
    if (found) found.usedAt = now;
    return Promise.resolve(found);
  }
  lockCurrent(accountId: string): Promise<EmailVerification | undefined> {
    return Promise.resolve(
      this.verifications
        .filter((v) => v.accountId === accountId && v.usedAt === null && v.voidedAt === null)
        .at(-1),
    );
  }
  recordWrongCode(id: string): Promise<void> {
    const found = this.verifications.find((v) => v.id === id);
    if (found) found.failedCodeAttempts += 1;
    return Promise.resolve();
  }
  markUsed(id: string, now: Date): Promise<void> {
    const found = this.verifications.find((v) => v.id === id);
    if (found) found.usedAt = now;
    return Promise.resolve();
  }
  deleteExpiredBefore(cutoff: Date, limit: number): Promise<number> {
    const gone = this.verifications.filter((v) => v.expiresAt < cutoff).slice(0, limit);
    for (const v of gone) this.verifications.splice(this.verifications.indexOf(v), 1);
    return Promise.resolve(gone.length);
  }
}

/** One process, no contention: every lock is free at once. */
export class UncontendedLock extends TransactionLock {
  tryAcquire(): Promise<boolean> {
    return Promise.resolve(true);
  }
  acquire(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A unit of work that rolls back: `run` copies the state of the fakes it was given (every Map,
 * Set and array they hold) and puts it back if the work throws, as a transaction would. A nested
 * `run` joins the outer one.
 */
export class RollbackUnitOfWork extends UnitOfWork {
  private depth = 0;
  constructor(private readonly participants: object[]) {
    super();
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.depth > 0) return work();
    const restore = this.participants.map(snapshotOf);
    this.depth += 1;
    try {
      return await work();
    } catch (error) {
      restore.forEach((undo) => undo());
      throw error;
    } finally {
      this.depth -= 1;
    }
  }
  runWrites<T>(work: () => Promise<T>): Promise<T> {
    return this.run(work);
  }
}

function snapshotOf(participant: object): () => void {
  const saved = Object.values(participant)
    .filter((value) => value instanceof Map || value instanceof Set || Array.isArray(value))
    .map((container: Map<unknown, unknown> | Set<unknown> | unknown[]) => ({
      container,
      copy: structuredClone(container),
    }));
  return () => {
    for (const { container, copy } of saved) {
      if (container instanceof Map) {
        container.clear();
        for (const [key, value] of copy as Map<unknown, unknown>) container.set(key, value);
      } else if (container instanceof Set) {
        container.clear();
        for (const value of copy as Set<unknown>) container.add(value);
      } else {
        container.splice(0, container.length, ...(copy as unknown[]));
      }
    }
  };
}

/**
 * Every fake above, wired as identity.module.ts wires the real adapters, with one clock and a
 * unit of work that rolls all of them back. A spec builds its use case from the parts it needs.
 */
/** Counts what the use cases report, by name and outcome: `login:success`, `refresh:grace_replay`. */
export class RecordingIdentityProbe extends IdentityProbe {
  readonly reported: string[] = [];
  loginAttempted(outcome: LoginOutcome): void {
    this.reported.push(`login:${outcome}`);
  }
  accountLocked(): void {
    this.reported.push('lockout');
  }
  refreshed(outcome: RefreshOutcome): void {
    this.reported.push(`refresh:${outcome}`);
  }
  registered(): void {
    this.reported.push('registered');
  }
}

export function memoryIdentity(settingsOverrides: Partial<IdentitySettings> = {}) {
  const clock = new TestClock(new Date('2026-12-03T09:00:00.000Z'));
  const audit = new MemoryAuditLog(clock);
  const accounts = new MemoryAccountRepository();
  const sessions = new MemorySessionRepository(audit);
  const profiles = new MemoryProfileDirectory();
  const resets = new MemoryPasswordResetRepository();
  const verifications = new MemoryEmailVerificationRepository();
  const mailer = new MemoryAccountMailer();
  const accessTokens = new ReadableAccessTokens();
  const settings = identitySettings(settingsOverrides);
  const codec = new ReadableRefreshTokenCodec();
  const ids = new SequentialIds();
  const minter = new AccessTokenMinter(accessTokens, profiles);
  return {
    clock,
    settings,
    audit,
    accounts,
    sessions,
    profiles,
    resets,
    verifications,
    mailer,
    accessTokens,
    codec,
    ids,
    secrets: new ReadableOneTimeSecrets(),
    hasher: new ReadablePasswordHasher(),
    gate: new ScriptedAttemptGate(),
    lock: new UncontendedLock(),
    unitOfWork: new RollbackUnitOfWork([accounts, sessions, profiles, resets, verifications, mailer, audit]),
    minter,
    starter: new SessionStarter(sessions, codec, minter, settings, ids, audit),
    probe: new RecordingIdentityProbe(),
  };
}

/** Signing keys in memory: a changed key replaces the one with its kid; a new one is added. */
export class MemorySigningKeyStore extends SigningKeyStore {
  constructor(public readonly keys: SigningKey[]) {
    super();
  }
  async list(): Promise<SigningKey[]> {
    return [...this.keys];
  }
  // In place, so that RollbackUnitOfWork can put the array back.
  async save(keys: SigningKey[]): Promise<void> {
    this.keys.splice(
      0,
      this.keys.length,
      ...this.keys.map((key) => keys.find((changed) => changed.kid === key.kid) ?? key),
      ...keys.filter((added) => !this.keys.some((key) => key.kid === added.kid)),
    );
  }
  async remove(kid: string): Promise<void> {
    this.keys.splice(0, this.keys.length, ...this.keys.filter((key) => key.kid !== kid));
  }
}

/** The claims projection in memory: rows by user, `lock` the same as `find` (one caller at a time). */
export class MemoryClaimsProjection extends ClaimsProjectionStore {
  readonly rows = new Map<string, ProjectedUser>();

  find(userId: string): Promise<ProjectedUser | undefined> {
    return Promise.resolve(this.rows.get(userId));
  }
  lock(userId: string): Promise<ProjectedUser | undefined> {
    return this.find(userId);
  }
  lockMembersOf(organizationId: string): Promise<string[]> {
    return Promise.resolve(
      [...this.rows.values()]
        .filter((user) => user.memberships.some((m) => m.organizationId === organizationId))
        .map((user) => user.userId)
        .sort(),
    );
  }
  save(user: ProjectedUser): Promise<void> {
    this.rows.set(user.userId, structuredClone(user));
    return Promise.resolve();
  }
  remove(userId: string): Promise<void> {
    this.rows.delete(userId);
    return Promise.resolve();
  }
}
