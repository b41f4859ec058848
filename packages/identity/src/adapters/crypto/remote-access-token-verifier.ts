import { Clock } from '@latchkey/shared-kernel';
import { type AccessTokenClaims, AccessTokenVerifier } from '../../application/ports';
import { verifyAccessToken } from './jose-access-tokens';
import type { RemoteJwks } from './remote-jwks';

/**
 * Verifies Latchkey access tokens where identity's key store is not at hand (the services
 * deployment's gateway): the same pinned checks as the key store's verifier, with keys from the
 * auth service's published JWKS. An unreachable publisher with no fresh keys held is
 * JwksUnavailable (503), never a refused token.
 */
export class RemoteAccessTokenVerifier extends AccessTokenVerifier {
  constructor(
    private readonly jwks: RemoteJwks,
    private readonly clock: Clock,
    private readonly options: { issuer: string; audience: string },
  ) {
    super();
  }

  verify(token: string): Promise<AccessTokenClaims> {
    return verifyAccessToken(token, this.jwks.getKey, { ...this.options, now: this.clock.now() });
  }
}
