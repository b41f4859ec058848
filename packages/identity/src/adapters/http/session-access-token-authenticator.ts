import { Injectable } from '@nestjs/common';
import { AccessTokenAuthenticator, type Principal } from '@latchkey/shared-kernel';
import { AuthenticateAccessToken } from '../../application/authenticate-access-token';

/**
 * The shared kernel's AccessTokenAuthenticator as identity answers it: a valid token of a live
 * session. Identity's routes use it, and the composition root binds other modules' guards to it.
 */
@Injectable()
export class SessionAccessTokenAuthenticator extends AccessTokenAuthenticator {
  constructor(private readonly authenticateAccessToken: AuthenticateAccessToken) {
    super();
  }

  authenticate(token: string): Promise<Principal> {
    return this.authenticateAccessToken.execute(token);
  }
}
