import { timingSafeEqual } from 'node:crypto';
import { requestContext } from '@latchkey/platform';
import { AccessTokenAuthenticator, InvalidAccessToken, type Principal } from '@latchkey/shared-kernel';
import { accessTokenHash } from './internal-tokens';

/**
 * A service behind the gateway (the user service) authenticates bearer tokens by what the gateway
 * vouched for: the principal in the request's verified internal token, which counts only when
 * the request carries the very access token the gateway read it from (its hash, `ath`). The
 * gateway has checked the signature, the claims and the session; a header a client sets is never
 * read. Install `requireInternalCallers` first: without a vouched principal every token is refused.
 */
export class VouchedPrincipalAuthenticator extends AccessTokenAuthenticator {
  authenticate(token: string): Promise<Principal> {
    const vouched = requestContext.getStore()?.vouched;
    if (vouched === undefined) return Promise.reject(new InvalidAccessToken());
    const [expected, actual] = [Buffer.from(vouched.ath), Buffer.from(accessTokenHash(token))];
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
      return Promise.reject(new InvalidAccessToken());
    return Promise.resolve(vouched.principal);
  }
}
