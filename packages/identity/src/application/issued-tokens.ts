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
