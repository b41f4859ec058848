import { organizationPermissionsOf, permissionsOf } from '@latchkey/contracts';
import { Injectable } from '@nestjs/common';
import { AccessTokenIssuer, ProfileDirectory } from './ports';

/**
 * Signs an access token carrying the user's current roles and the permissions they grant and,
 * when they belong to one, the session's active organization (`org_id`, `org_roles`,
 * `org_permissions`): the one chosen with switch-organization while it is still theirs, else
 * their oldest membership.
 */
@Injectable()
export class AccessTokenMinter {
  constructor(
    private readonly issuer: AccessTokenIssuer,
    private readonly profiles: ProfileDirectory,
  ) {}

  async mint(
    userId: string,
    sessionId: string,
    activeOrganizationId: string | null = null,
  ): Promise<{ token: string; expiresIn: number }> {
    const claims = await this.profiles.claimsOf(userId);
    const memberships = claims?.memberships ?? [];
    const active =
      memberships.find((membership) => membership.organizationId === activeOrganizationId) ?? memberships[0];
    const roles = claims?.roles ?? ['user'];
    return this.issuer.issue({
      userId,
      sessionId,
      roles,
      permissions: permissionsOf(roles),
      ...(active
        ? {
            organization: {
              id: active.organizationId,
              roles: [active.role],
              permissions: organizationPermissionsOf([active.role]),
            },
          }
        : {}),
    });
  }
}
