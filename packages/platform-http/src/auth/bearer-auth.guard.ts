import type { Permission } from '@latchkey/contracts';
import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig, identifyEndUser } from '@latchkey/platform';
import {
  AccessTokenAuthenticator,
  AuthenticationRequired,
  InvalidAccessToken,
  PermissionRequired,
  type Principal,
} from '@latchkey/shared-kernel';

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * RFC 6750 §2.1: `Authorization: Bearer <token>`; nothing else carries access tokens. Another
 * scheme counts as no credentials (§3.1: the challenge then carries no error code); a Bearer
 * header whose token is malformed is an invalid token.
 */
export function bearerTokenOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const [scheme, token, ...rest] = header?.trim().split(/ +/) ?? [];
  if (scheme?.toLowerCase() !== 'bearer') return undefined;
  if (!token || rest.length > 0 || !/^[A-Za-z0-9\-._~+/]+=*$/.test(token)) throw new InvalidAccessToken();
  return token;
}

const REQUIRED_PERMISSIONS = 'latchkey:required-permissions';

/**
 * The permissions (the token's `permissions` claim) a route requires, checked by BearerAuthGuard.
 * On a method it replaces what its controller requires.
 */
export const RequirePermissions = (...permissions: Permission[]) =>
  SetMetadata(REQUIRED_PERMISSIONS, permissions);

/**
 * Requires a valid access token of a live session carrying the route's permissions
 * (`@RequirePermissions`); the principal is then `@CurrentPrincipal()`. What the token's roles
 * say does not matter here: the permissions are the grant.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request);
    if (token === undefined) throw new AuthenticationRequired();
    const principal = await this.authenticator.authenticate(token);
    request.principal = principal;
    if (this.config.observability.captureUserId) identifyEndUser(principal.userId);
    const required =
      this.reflector.getAllAndOverride<Permission[] | undefined>(REQUIRED_PERMISSIONS, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    const missing = required.filter((permission) => !principal.permissions.includes(permission));
    if (missing.length > 0) throw new PermissionRequired(missing);
    return true;
  }
}

/** Like BearerAuthGuard, but a request without an Authorization header passes (a bad one does not). */
@Injectable()
export class OptionalBearerAuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: AccessTokenAuthenticator,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request);
    if (token === undefined) return true;
    const principal = await this.authenticator.authenticate(token);
    request.principal = principal;
    if (this.config.observability.captureUserId) identifyEndUser(principal.userId);
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
