import { Injectable } from '@nestjs/common';
import { Clock } from '../../../shared-kernel/clock';
import { UnitOfWork } from '../../../shared-kernel/unit-of-work';
import { InvalidRefreshToken, RefreshTokenReused } from '../domain/errors';
import { decideRefresh } from '../domain/refresh-decision';
import { remainingSeconds, type Session, slideIdleExpiry } from '../domain/session';
import { AccessTokenMinter, type IssuedTokens } from './issued-tokens';
import {
  AuditLog,
  IdentitySettings,
  IdGenerator,
  type LockedChain,
  RefreshTokenCodec,
  type RequestMeta,
  SessionRepository,
} from './ports';

type Outcome =
  { kind: 'issued'; refreshToken: string; session: Session } | { kind: 'reused' } | { kind: 'refused' };

/**
 * Consumes a refresh token and issues its successor, in one transaction that holds the session's
 * row lock: concurrent refreshes of one chain run one after another, so the chain never forks.
 */
@Injectable()
export class RefreshSession {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly codec: RefreshTokenCodec,
    private readonly minter: AccessTokenMinter,
    private readonly settings: IdentitySettings,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async execute(command: { refreshToken: string }, meta: RequestMeta): Promise<IssuedTokens> {
    const presented = command.refreshToken;
    const presentedHash = this.codec.hash(presented);

    // A detected reuse commits its revocation; only then does the request fail.
    const outcome = await this.unitOfWork.run(async (): Promise<Outcome> => {
      const sessionId = await this.sessions.findSessionIdByTokenHash(presentedHash);
      const chain = sessionId && (await this.sessions.lockChain(sessionId, presentedHash));
      if (!chain) return { kind: 'refused' };
      return this.apply(chain, presented, meta);
    });

    if (outcome.kind === 'reused') throw new RefreshTokenReused();
    if (outcome.kind === 'refused') throw new InvalidRefreshToken();
    const { session } = outcome;
    const access = await this.minter.mint(session.userId, session.id, session.activeOrganizationId);
    return {
      accessToken: access.token,
      expiresIn: access.expiresIn,
      refreshToken: outcome.refreshToken,
      refreshTokenMaxAge: remainingSeconds(session, this.clock.now()),
      userId: session.userId,
      sessionId: session.id,
    };
  }

  private async apply(chain: LockedChain, presented: string, meta: RequestMeta): Promise<Outcome> {
    const now = this.clock.now();
    const { session } = chain;
    const event = { userId: session.userId, sessionId: session.id, meta };
    const decision = decideRefresh({ ...chain, now, graceSeconds: this.settings.refreshReuseGraceSeconds });

    switch (decision.kind) {
      case 'rotate': {
        const successor = this.codec.generate();
        const generation = chain.presented.generation + 1;
        const idleExpiresAt = slideIdleExpiry(now, session.expiresAt, this.settings);
        await this.sessions.rotate({
          sessionId: session.id,
          presentedId: chain.presented.id,
          successor: {
            id: this.ids.next(),
            tokenHash: this.codec.hash(successor),
            generation,
            createdAt: now,
          },
          sealedSuccessor: this.codec.seal(successor, presented),
          now,
          idleExpiresAt,
        });
        await this.audit.record({ ...event, type: 'RefreshTokenRotated', data: { generation } });
        return {
          kind: 'issued',
          refreshToken: successor,
          session: { ...session, idleExpiresAt, lastUsedAt: now },
        };
      }
      case 'replay': {
        // The successor was sealed under a key derived from the presented token: only its holder
        // can open it, and the database never held it in the clear.
        const successor = this.codec.unseal(chain.presented.sealedSuccessor!, presented);
        await this.audit.record({
          ...event,
          type: 'RefreshTokenRotated',
          data: { generation: chain.live?.generation, replayedWithinGraceWindow: true },
        });
        return { kind: 'issued', refreshToken: successor, session };
      }
      case 'reuse': {
        await this.sessions.revoke([session.id], 'refresh_token_reuse', now, { reuseDetected: true });
        await this.audit.record({
          ...event,
          type: 'RefreshTokenReuseDetected',
          data: {
            presentedGeneration: chain.presented.generation,
            liveGeneration: chain.live?.generation ?? null,
          },
        });
        return { kind: 'reused' };
      }
      case 'reject':
        return { kind: 'refused' };
    }
  }
}
