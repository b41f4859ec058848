import { type Clock, type AccessTokenAuthenticator, type Principal } from '@latchkey/shared-kernel';
import { AuthenticateAccessToken } from '../../application/authenticate-access-token';
import { RemoteAccessTokenVerifier } from '../crypto/remote-access-token-verifier';
import { RemoteJwks, type RemoteJwksOptions } from '../crypto/remote-jwks';
import type { RemoteSessionAccess } from './remote-session-access';

/**
 * The gateway's bearer check (docs/decisions/0012-services-deployment.md): identity's own check,
 * AuthenticateAccessToken, over the auth service's published keys (a JWKS cache that follows
 * Cache-Control and refetches on an unknown kid, rate-limited) and its session check.
 */
export function edgeAccessTokenAuthenticator(options: {
  jwks: RemoteJwksOptions;
  /** How the JWKS is fetched (the gateway adds its internal token). */
  fetchJwks: ConstructorParameters<typeof RemoteJwks>[2];
  sessions: RemoteSessionAccess;
  issuer: string;
  audience: string;
  clock: Clock;
}): AccessTokenAuthenticator & { jwks: RemoteJwks } {
  const jwks = new RemoteJwks(options.jwks, options.clock, options.fetchJwks);
  const verifier = new RemoteAccessTokenVerifier(jwks, options.clock, {
    issuer: options.issuer,
    audience: options.audience,
  });
  const check = new AuthenticateAccessToken(verifier, options.sessions, options.clock);
  return {
    jwks,
    authenticate: (token: string): Promise<Principal> => check.execute(token),
  };
}
