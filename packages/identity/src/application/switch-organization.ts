import { Injectable } from '@nestjs/common';
import { NotFound, type Principal, type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { AccessTokenMinter } from './access-token-minter';
import { AuditLog, ProfileDirectory, SessionRepository } from './ports';

/**
 * Makes another of the user's organizations the session's active one and issues an access token
 * for it. The session (its refresh-token chain) stays; later refreshes keep this organization.
 */
@Injectable()
export class SwitchOrganization {
  constructor(
    private readonly profiles: ProfileDirectory,
    private readonly sessions: SessionRepository,
    private readonly minter: AccessTokenMinter,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditLog,
  ) {}

  async execute(
    principal: Principal,
    organizationId: string,
    meta: RequestMeta,
  ): Promise<{ token: string; expiresIn: number }> {
    const memberships = await this.profiles.membershipsOf(principal.userId);
    // Not a member, or no such organization: one answer.
    if (!memberships.some((membership) => membership.organizationId === organizationId))
      throw new NotFound('No such organization');
    await this.unitOfWork.run(async () => {
      await this.sessions.setActiveOrganization(principal.sessionId, organizationId);
      await this.audit.record({
        type: 'OrganizationSwitched',
        userId: principal.userId,
        sessionId: principal.sessionId,
        meta,
        data: { organizationId },
      });
    });
    return this.minter.mint(principal.userId, principal.sessionId, organizationId);
  }
}
