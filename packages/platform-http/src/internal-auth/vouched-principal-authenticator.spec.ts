import { requestContext, type RequestContext } from '@latchkey/platform';
import { InvalidAccessToken, type Principal } from '@latchkey/shared-kernel';
import { accessTokenHash } from './internal-tokens';
import { VouchedPrincipalAuthenticator } from './vouched-principal-authenticator';

const PRINCIPAL: Principal = {
  userId: 'u1',
  sessionId: 's1',
  roles: ['user'],
  permissions: ['account:read'],
};

function inRequest<T>(vouched: RequestContext['vouched'], work: () => Promise<T>): Promise<T> {
  const context = { requestId: 'r1', ip: '127.0.0.1', userAgent: undefined, afterResponse: [], vouched };
  return requestContext.run(context as unknown as RequestContext, work);
}

describe('VouchedPrincipalAuthenticator: the user service takes the end user from the gateway', () => {
  const authenticator = new VouchedPrincipalAuthenticator();

  it('answers the vouched principal for the very token the gateway checked', async () => {
    const vouched = { principal: PRINCIPAL, ath: accessTokenHash('token-a') };
    await expect(inRequest(vouched, () => authenticator.authenticate('token-a'))).resolves.toEqual(PRINCIPAL);
  });

  it('refuses another token: a vouched principal cannot be lifted onto it', async () => {
    const vouched = { principal: PRINCIPAL, ath: accessTokenHash('token-a') };
    await expect(inRequest(vouched, () => authenticator.authenticate('token-b'))).rejects.toBeInstanceOf(
      InvalidAccessToken,
    );
  });

  it('refuses every token when nothing was vouched (or outside a request)', async () => {
    await expect(inRequest(undefined, () => authenticator.authenticate('token-a'))).rejects.toBeInstanceOf(
      InvalidAccessToken,
    );
    await expect(authenticator.authenticate('token-a')).rejects.toBeInstanceOf(InvalidAccessToken);
  });
});
