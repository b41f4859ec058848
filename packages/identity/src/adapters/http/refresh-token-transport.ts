import '@fastify/cookie';
import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '@latchkey/platform';
import { IdentityConfig } from '../../identity-config';
import { versionPrefixOf } from '@latchkey/platform-http';
import { Forbidden } from '@latchkey/shared-kernel';
import type { IssuedTokens } from '../../application/issued-tokens';

export const TRANSPORT_HEADER = 'x-token-transport';
/** `__Secure-`: browsers only accept it with `Secure`, so no plain-HTTP page can plant one. */
export const REFRESH_COOKIE = '__Secure-lk_refresh';

/**
 * The cookie goes only to the token endpoints, under the prefix the client uses: `/v1/auth` or
 * (the unversioned alias) `/auth`. A browser sends a cookie only below its Path, so one written
 * for `/auth` would never reach `/v1/auth/refresh`.
 */
function cookiePath(request: FastifyRequest): string {
  return `${versionPrefixOf(request.url)}/auth`;
}

export interface TokenBody {
  accessToken: string;
  refreshToken?: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/**
 * Web clients keep the refresh token in an httpOnly cookie, mobile clients in the body, through
 * the same endpoints. A request opts into cookie mode with `X-Token-Transport: cookie`.
 *
 * CSRF: a cookie is sent by the browser on its own, so a request that presents the refresh
 * token *through the cookie* must also carry that custom header (which no cross-site form can
 * send and which forces a CORS preflight) and, when it has an Origin, an allowlisted one.
 * Otherwise 403, before the token is looked at, so it stays valid.
 */
@Injectable()
export class RefreshTokenTransport {
  constructor(
    private readonly config: AppConfig,
    private readonly identity: IdentityConfig,
  ) {}

  wantsCookie(request: FastifyRequest): boolean {
    return request.headers[TRANSPORT_HEADER] === 'cookie';
  }

  /** The presented refresh token: the body's when given, else the cookie's (checked as above). */
  read(request: FastifyRequest, bodyToken: string | undefined): string | undefined {
    if (bodyToken !== undefined) return bodyToken;
    const cookie = request.cookies?.[REFRESH_COOKIE];
    if (cookie === undefined) return undefined;
    if (!this.wantsCookie(request)) {
      throw new Forbidden(`A refresh token sent in a cookie requires the ${TRANSPORT_HEADER}: cookie header`);
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !this.config.http.corsOrigins.includes(origin)) {
      throw new Forbidden('This origin may not use the refresh cookie');
    }
    return cookie;
  }

  /** Shapes a token response; in cookie mode the refresh token leaves only as the cookie. */
  write(request: FastifyRequest, reply: FastifyReply, tokens: IssuedTokens): TokenBody {
    void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const body: TokenBody = {
      accessToken: tokens.accessToken,
      expiresIn: tokens.expiresIn,
      tokenType: 'Bearer',
    };
    if (!this.wantsCookie(request)) return { ...body, refreshToken: tokens.refreshToken };
    void reply.setCookie(REFRESH_COOKIE, tokens.refreshToken, {
      httpOnly: true,
      secure: true,
      sameSite: this.identity.auth.cookieSameSite,
      path: cookiePath(request),
      maxAge: tokens.refreshTokenMaxAge,
    });
    return body;
  }

  clear(request: FastifyRequest, reply: FastifyReply): void {
    if (!this.wantsCookie(request) && request.cookies?.[REFRESH_COOKIE] === undefined) return;
    void reply.clearCookie(REFRESH_COOKIE, {
      httpOnly: true,
      secure: true,
      sameSite: this.identity.auth.cookieSameSite,
      path: cookiePath(request),
    });
  }
}
