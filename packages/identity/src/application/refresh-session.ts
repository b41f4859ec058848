import { Injectable } from '@nestjs/common';
import { Clock, UnitOfWork } from '@latchkey/shared-kernel';
import { InvalidRefreshToken, RefreshTokenReused } from '../domain/errors';
import { decideRefresh, type RefreshDecision } from '../domain/refresh-decision';
import { remainingSeconds, type Session, slideIdleExpiry } from '../domain/session';
import { AccessTokenMinter } from './access-token-minter';
import type { IssuedTokens } from './issued-tokens';
import {
  AuditLog,
  IdentitySettings,
  IdentityProbe,
  IdGenerator,
  type RefreshChain,
  type RefreshOutcome,
  RefreshTokenCodec,
  type RequestMeta,
  SessionRepository,
} from './ports';

type Outcome =
  | { kind: 'issued'; refreshToken: string; session: Session; replayed: boolean }
  | { kind: 'reused' }
  | { kind: 'refused'; reason: RefreshOutcome }
  | { kind: 'lost' };

const REFUSAL: Record<Extract<RefreshDecision, { kind: 'reject' }>['reason'], RefreshOutcome> = {
  session_revoked: 'revoked',
  account_inactive: 'revoked',
  session_expired: 'expired',
  successor_unavailable: 'invalid',
};

/**
 * A lost rotation means the token is no longer live or the session is revoked, so the second read
 * decides for good (replay, reuse or refusal); the third attempt is margin, never expected.
 */
const MAX_ATTEMPTS = 3;

/**
 * Consumes a refresh token and issues its successor. The chain is read in one statement and the
 * rules decide on it (rotate, replay, reuse, reject); a rotation is then one atomic statement under
 * the session's row lock that writes only if the token is still live, so two refreshes of one
 * token never both rotate it, and the one that loses reads the chain again: within the grace
 * window it is handed the winner's successor. The chain never forks, and the common case costs
 * two round trips rather than a transaction's ten.
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
    private readonly probe: IdentityProbe,
  ) {}

  async execute(command: { refreshToken: string }, meta: RequestMeta): Promise<IssuedTokens> {
    const presented = command.refreshToken;
    const presentedHash = this.codec.hash(presented);

    let outcome: Outcome = { kind: 'lost' };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && outcome.kind === 'lost'; attempt++) {
      const chain = await this.sessions.findChain(presentedHash);
      outcome = chain ? await this.apply(chain, presented, meta) : { kind: 'refused', reason: 'invalid' };
    }

    this.probe.refreshed(outcomeOf(outcome));
    if (outcome.kind === 'reused') throw new RefreshTokenReused();
    if (outcome.kind !== 'issued') throw new InvalidRefreshToken();
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

  private async apply(chain: RefreshChain, presented: string, meta: RequestMeta): Promise<Outcome> {
    const now = this.clock.now();
    const { session } = chain;
    const event = { userId: session.userId, sessionId: session.id, meta };
    const decision = decideRefresh({ ...chain, now, graceSeconds: this.settings.refreshReuseGraceSeconds });

    switch (decision.kind) {
      case 'rotate': {
        const successor = this.codec.generate();
        const generation = chain.presented.generation + 1;
        const idleExpiresAt = slideIdleExpiry(now, session.expiresAt, this.settings);
        const rotated = await this.sessions.rotate({
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
          event: { ...event, type: 'RefreshTokenRotated', data: { generation } },
        });
        if (!rotated) return { kind: 'lost' };
        return {
          kind: 'issued',
          refreshToken: successor,
          session: { ...session, idleExpiresAt, lastUsedAt: now },
          replayed: false,
        };
      }
      case 'replay': {
        // The successor was sealed under a key derived from the presented token and a server
        // secret: only its holder can open it, and the database never held it in the clear. A seal
        // this server cannot open (written under an older key) is refused like a missing one.
        const successor = this.codec.unseal(chain.presented.sealedSuccessor!, presented);
        if (successor === undefined) return { kind: 'refused', reason: 'invalid' };
        await this.audit.record({
          ...event,
          type: 'RefreshTokenRotated',
          data: { generation: chain.live?.generation, replayedWithinGraceWindow: true },
        });
        return { kind: 'issued', refreshToken: successor, session, replayed: true };
      }
      case 'reuse': {
        // The revocation and its audit event commit together; only then does the request fail.
        await this.unitOfWork.run(async () => {
          await this.sessions.revoke([session.id], 'refresh_token_reuse', now, { reuseDetected: true });
          await this.audit.record({
            ...event,
            type: 'RefreshTokenReuseDetected',
            data: {
              presentedGeneration: chain.presented.generation,
              liveGeneration: chain.live?.generation ?? null,
            },
          });
        });
        return { kind: 'reused' };
      }
      case 'reject':
        return { kind: 'refused', reason: REFUSAL[decision.reason] };
    }
  }
}

function outcomeOf(outcome: Outcome): RefreshOutcome {
  switch (outcome.kind) {
    case 'issued':
      return outcome.replayed ? 'grace_replay' : 'rotated';
    case 'reused':
      return 'reuse_detected';
    case 'refused':
      return outcome.reason;
    case 'lost':
      return 'invalid';
  }
}
