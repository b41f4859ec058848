import { Injectable } from '@nestjs/common';
import { newSessionExpiry, remainingSeconds, type Session } from '../domain/session';
import { AccessTokenMinter } from './access-token-minter';
import type { IssuedTokens } from './issued-tokens';
import {
  AuditLog,
  IdentitySettings,
  IdGenerator,
  RefreshTokenCodec,
  type RequestMeta,
  SessionRepository,
} from './ports';

/** A new session (a refresh-token chain) and its first tokens: login and sign-up alike. */
@Injectable()
export class SessionStarter {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly codec: RefreshTokenCodec,
    private readonly minter: AccessTokenMinter,
    private readonly settings: IdentitySettings,
    private readonly ids: IdGenerator,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Writes the session, its first refresh token and the `UserLoggedIn` event (with `eventData`),
   * in the caller's unit of work: a write batch (login: one statement) or a transaction (sign-up).
   */
  async open(
    input: { userId: string; deviceId: string | null; activeOrganizationId: string | null; now: Date },
    meta: RequestMeta,
    eventData: Record<string, unknown>,
  ): Promise<{ session: Session; refreshToken: string }> {
    const refreshToken = this.codec.generate();
    const session: Session = {
      id: this.ids.next(),
      userId: input.userId,
      deviceId: input.deviceId,
      userAgent: meta.userAgent,
      ip: meta.ip,
      createdAt: input.now,
      lastUsedAt: input.now,
      ...newSessionExpiry(input.now, this.settings),
      revokedAt: null,
      revokeReason: null,
      reuseDetectedAt: null,
      activeOrganizationId: input.activeOrganizationId,
    };
    await this.sessions.create(session, {
      id: this.ids.next(),
      tokenHash: this.codec.hash(refreshToken),
      generation: 0,
      createdAt: input.now,
    });
    await this.audit.record({
      type: 'UserLoggedIn',
      userId: input.userId,
      sessionId: session.id,
      meta,
      data: { deviceId: input.deviceId, ...eventData },
    });
    return { session, refreshToken };
  }

  /** After the commit: the access token, signed with the data as committed. */
  async tokens(opened: { session: Session; refreshToken: string }, now: Date): Promise<IssuedTokens> {
    const { session, refreshToken } = opened;
    const access = await this.minter.mint(session.userId, session.id, session.activeOrganizationId);
    return {
      accessToken: access.token,
      expiresIn: access.expiresIn,
      refreshToken,
      refreshTokenMaxAge: remainingSeconds(session, now),
      userId: session.userId,
      sessionId: session.id,
    };
  }
}
