import { Injectable } from '@nestjs/common';
import { Clock, type Principal } from '@latchkey/shared-kernel';
import { InvalidAccessToken } from '../domain/errors';
import { AccessTokenVerifier, SessionRepository } from './ports';

export type { Principal } from '@latchkey/shared-kernel';

/**
 * This API's own bearer check: a valid signature and claims, and a session that is still live.
 * Other services verifying through JWKS only get the first half and accept a token until `exp`.
 */
@Injectable()
export class AuthenticateAccessToken {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly sessions: SessionRepository,
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
