import { Injectable } from '@nestjs/common';
import { Clock, type Principal } from '@latchkey/shared-kernel';
import { InvalidAccessToken } from '../domain/errors';
import { AccessTokenVerifier, SessionAccess } from './ports';

export type { Principal } from '@latchkey/shared-kernel';

/**
 * The bearer check: a valid signature and claims, and a session that is still live. Identity
 * answers both from its own key store and sessions; the services deployment's gateway from the
 * published keys and the auth service's session check. A verifier with only the JWKS gets the
 * first half and accepts a token until `exp`.
 */
@Injectable()
export class AuthenticateAccessToken {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly sessions: SessionAccess,
    private readonly clock: Clock,
  ) {}

  async execute(token: string): Promise<Principal> {
    const claims = await this.verifier.verify(token);
    if ((await this.sessions.accessStatus(claims.sid, claims.sub, this.clock.now())) !== 'active')
      throw new InvalidAccessToken();
    return {
      userId: claims.sub,
      sessionId: claims.sid,
      roles: claims.roles,
      permissions: claims.permissions,
    };
  }
}
