import { Injectable } from '@nestjs/common';
import { type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { OrganizationStillClaimed } from '../domain/errors';
import { AccountDirectory, OrganizationRepository, ProfileAuditTrail } from './ports';

/**
 * The services deployment's sign-up creates its organization here (a synchronous call) inside
 * the auth service's transaction; when that transaction rolls back, the auth service asks for the
 * organization to be discarded. Only an organization that is still exactly what sign-up made (its
 * one member the owner named) for an owner whose account does not exist is deleted: a committed
 * sign-up, or an organization someone has joined since, is refused. Idempotent: one already gone
 * is fine. The monolith never needs this: there sign-up is one transaction.
 */
@Injectable()
export class DiscardAbandonedOrganization {
  constructor(
    private readonly accounts: AccountDirectory,
    private readonly organizations: OrganizationRepository,
    private readonly audit: ProfileAuditTrail,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /** `reason`: the rollback's call, or the clean-up's sweep (SweepAbandonedOrganizations). */
  async execute(
    organizationId: string,
    ownerId: string,
    meta: RequestMeta,
    reason: 'sign_up_rolled_back' | 'sign_up_abandoned' = 'sign_up_rolled_back',
  ): Promise<void> {
    if (await this.accounts.find(ownerId)) throw new OrganizationStillClaimed();
    await this.unitOfWork.run(async () => {
      const owners = await this.organizations.lockOwners(organizationId);
      const members = await this.organizations.members(organizationId);
      if (members.length === 0) return; // discarded already, or never made
      const asMade = members.length === 1 && members[0]!.userId === ownerId && owners.join() === ownerId;
      if (!asMade) throw new OrganizationStillClaimed();
      await this.organizations.delete(organizationId);
      await this.audit.record({
        type: 'OrganizationDeleted',
        userId: ownerId,
        actorId: null,
        meta,
        data: { organizationId, reason },
      });
    });
  }
}
