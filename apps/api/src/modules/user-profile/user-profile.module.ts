import { Module } from '@nestjs/common';
import { ActorAccess } from './application/actor-access';
import { CreateProfile } from './application/create-profile';
import { DeleteUser } from './application/delete-user';
import { AccessClaimsOfUser } from './application/access-claims-of-user';
import { GetProfile } from './application/get-profile';
import { GetUser } from './application/get-user';
import { GrantAdmin } from './application/grant-admin';
import { ListUsers } from './application/list-users';
import { CheckSlug } from './application/check-slug';
import { CreateOrganization } from './application/create-organization';
import { MembershipsOfUser } from './application/memberships-of-user';
import { OrganizationAccess } from './application/organization-access';
import { ListOwnOrganizations } from './application/list-own-organizations';
import { OrganizationMembers } from './application/organization-members';
import { OrganizationRepository, ProfileRepository } from './application/ports';
import { SetUserRoles } from './application/set-user-roles';
import { UpdateUser } from './application/update-user';
import { OrganizationsController, SlugController } from './adapters/http/organizations.controller';
import { UsersController } from './adapters/http/users.controller';
import { DrizzleOrganizationRepository } from './adapters/persistence/drizzle-organization-repository';
import { DrizzleProfileRepository } from './adapters/persistence/drizzle-profile-repository';

/**
 * Profiles, roles, organizations and the users API. Other modules reach it only through ./index.ts. The ports it
 * declares for accounts and the audit trail (AccountDirectory, ProfileAuditTrail) are provided
 * by the identity module, which depends on this one and not the reverse.
 */
@Module({
  controllers: [UsersController, OrganizationsController, SlugController],
  providers: [
    { provide: ProfileRepository, useClass: DrizzleProfileRepository },
    { provide: OrganizationRepository, useClass: DrizzleOrganizationRepository },
    CreateOrganization,
    CheckSlug,
    OrganizationAccess,
    OrganizationMembers,
    ListOwnOrganizations,
    MembershipsOfUser,
    AccessClaimsOfUser,
    CreateProfile,
    GetProfile,
    ActorAccess,
    ListUsers,
    GetUser,
    UpdateUser,
    SetUserRoles,
    DeleteUser,
    GrantAdmin,
  ],
  exports: [CreateProfile, GetProfile, GrantAdmin, CreateOrganization, MembershipsOfUser, AccessClaimsOfUser],
})
export class UserProfileModule {}
