import { Injectable } from '@nestjs/common';
import { AccessTokenIssuer, ProfileDirectory } from './ports';

/** What login and refresh hand back: the transport (body or cookie) is the HTTP adapter's choice. */
export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  /** Seconds the refresh token stays usable (the cookie's Max-Age in cookie mode). */
  refreshTokenMaxAge: number;
  userId: string;
  sessionId: string;
}

/** Signs an access token carrying the user's current roles. */
@Injectable()
export class AccessTokenMinter {
  constructor(
    private readonly issuer: AccessTokenIssuer,
    private readonly profiles: ProfileDirectory,
  ) {}

  async mint(userId: string, sessionId: string): Promise<{ token: string; expiresIn: number }> {
    const profile = await this.profiles.find(userId);
    return this.issuer.issue({ userId, sessionId, roles: profile?.roles ?? ['user'] });
  }
}
