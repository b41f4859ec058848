import { Injectable } from '@nestjs/common';
import { Clock, type Principal, type RequestMeta, UnitOfWork } from '@latchkey/shared-kernel';
import { LastOwner, OrganizationNotFound, OrganizationRoleRequired, UserNotFound } from '../domain/errors';
import {
  leavesAnOwner,
  mayChangeRole,
  mayGrant,
  type Membership,
  type Organization,
  type OrganizationRole,
} from '../domain/organization';
import { OrganizationAccess } from './organization-access';
import { AccountDirectory, OrganizationRepository, ProfileAuditTrail, ProfileRepository } from './ports';

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: OrganizationRole;
  joinedAt: string;
}

/** An organization and its members, for its members; managed by its owners and admins; any member may leave. */
@Injectable()
export class OrganizationMembers {
  constructor(
    private readonly access: OrganizationAccess,
    private readonly organizations: OrganizationRepository,
    private readonly accounts: AccountDirectory,
    private readonly profiles: ProfileRepository,
    private readonly audit: ProfileAuditTrail,
    private readonly clock: Clock,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async organization(principal: Principal, organizationId: string): Promise<Organization> {
    await this.access.member(principal, organizationId);
    const organization = await this.organizations.find(organizationId);
    if (!organization) throw new OrganizationNotFound();
    return organization;
  }

  async list(principal: Principal, organizationId: string): Promise<MemberView[]> {
    await this.access.member(principal, organizationId);
    const memberships = await this.organizations.members(organizationId);
    const userIds = memberships.map((m) => m.userId);
    const [profileList, accountList] = await Promise.all([
      this.profiles.findMany(userIds),
      this.accounts.findMany(userIds),
    ]);
    const profiles = new Map(profileList.map((p) => [p.userId, p]));
    const accounts = new Map(accountList.map((a) => [a.id, a]));
    const views: MemberView[] = [];
    for (const membership of memberships) {
      const account = accounts.get(membership.userId);
      const profile = profiles.get(membership.userId);
      if (account && profile) views.push(memberView(membership, account.email, profile.name));
    }
    return views;
  }

  async add(
    principal: Principal,
    organizationId: string,
    invite: { email: string; role: OrganizationRole },
    meta: RequestMeta,
  ): Promise<MemberView> {
    const actor = await this.access.manager(principal, organizationId);
    if (!mayGrant(actor.role, invite.role)) throw new OrganizationRoleRequired();
    const account = await this.accounts.findByEmail(invite.email);
    const profile = account && (await this.profiles.findByUserId(account.id));
    if (!account || !profile) throw new UserNotFound();
    const membership = { organizationId, userId: account.id, role: invite.role, createdAt: this.clock.now() };
    await this.unitOfWork.run(async () => {
      await this.organizations.addMember(membership);
      await this.audit.record({
        type: 'MemberAdded',
        userId: account.id,
        actorId: principal.userId,
        meta,
        data: { organizationId, role: invite.role },
      });
    });
    return memberView(membership, account.email, profile.name);
  }

  /** Owners and admins change a member's role; only owners make or unmake owners; one owner stays. */
  async changeRole(
    principal: Principal,
    organizationId: string,
    userId: string,
    role: OrganizationRole,
    meta: RequestMeta,
  ): Promise<MemberView> {
    await this.access.manager(principal, organizationId);
    const changed = await this.unitOfWork.run(async () => {
      // Two owners demoting each other at once queue here; the second sees the first's change.
      const owners = await this.organizations.lockOwners(organizationId);
      // Read again under the lock: an owner demoted a moment ago makes or unmakes no owner.
      const actor = await this.organizations.membership(organizationId, principal.userId);
      const target = await this.organizations.membership(organizationId, userId);
      if (!target) throw new UserNotFound();
      if (!actor || !mayChangeRole(actor.role, target.role, role)) throw new OrganizationRoleRequired();
      if (target.role === role) return target;
      if (target.role === 'ORGANIZATION_OWNER' && !leavesAnOwner(owners, userId)) throw new LastOwner();
      await this.organizations.setMemberRole(organizationId, userId, role);
      await this.audit.record({
        type: 'MemberRoleChanged',
        userId,
        actorId: principal.userId,
        meta,
        data: { organizationId, from: target.role, to: role },
      });
      return { ...target, role };
    });
    const [account, profile] = await Promise.all([
      this.accounts.find(userId),
      this.profiles.findByUserId(userId),
    ]);
    if (!account || !profile) throw new UserNotFound();
    return memberView(changed, account.email, profile.name);
  }

  async remove(
    principal: Principal,
    organizationId: string,
    userId: string,
    meta: RequestMeta,
  ): Promise<void> {
    // Any member may leave (owners too, while another owner remains): members are added without
    // being asked, so no one may be kept in an organization against their will.
    const leaving = userId === principal.userId;
    const actor = leaving
      ? await this.access.member(principal, organizationId)
      : await this.access.manager(principal, organizationId);
    await this.unitOfWork.run(async () => {
      const owners = await this.organizations.lockOwners(organizationId);
      const target = await this.organizations.membership(organizationId, userId);
      if (!target) throw new UserNotFound();
      if (target.role === 'ORGANIZATION_OWNER') {
        if (!leaving && actor.role !== 'ORGANIZATION_OWNER') throw new OrganizationRoleRequired();
        if (!leavesAnOwner(owners, userId)) throw new LastOwner();
      }
      await this.organizations.removeMember(organizationId, userId);
      await this.audit.record({
        type: 'MemberRemoved',
        userId,
        actorId: principal.userId,
        meta,
        data: { organizationId, role: target.role, ...(leaving ? { left: true } : {}) },
      });
    });
  }
}

function memberView(membership: Membership, email: string, name: string): MemberView {
  return {
    userId: membership.userId,
    email,
    name,
    role: membership.role,
    joinedAt: membership.createdAt.toISOString(),
  };
}
