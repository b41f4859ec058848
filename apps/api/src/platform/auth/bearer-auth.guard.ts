import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticationRequired, InvalidAccessToken } from '../../shared-kernel/domain-error';
import { AccessTokenAuthenticator, type Principal } from '../../shared-kernel/principal';

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * RFC 6750 §2.1: `Authorization: Bearer <token>`; nothing else carries access tokens. Another
 * scheme counts as no credentials (§3.1: the challenge then carries no error code); a Bearer
 * header whose token is malformed is an invalid token.
 */
function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const [scheme, token, ...rest] = header?.trim().split(/ +/) ?? [];
  if (scheme?.toLowerCase() !== 'bearer') return undefined;
  if (!token || rest.length > 0 || !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw new InvalidAccessToken();
  return token;
}

/** Requires a valid access token of a live session; the principal is then `@CurrentPrincipal()`. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly authenticator: AccessTokenAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request);
    if (token === undefined) throw new AuthenticationRequired();
    request.principal = await this.authenticator.authenticate(token);
    return true;
  }
}

/** Like BearerAuthGuard, but a request without an Authorization header passes (a bad one does not). */
@Injectable()
export class OptionalBearerAuthGuard implements CanActivate {
  constructor(private readonly authenticator: AccessTokenAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request);
    if (token !== undefined) request.principal = await this.authenticator.authenticate(token);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
