import { type DynamicModule, Module } from '@nestjs/common';
import { AccessTokenAuthenticator } from '@latchkey/shared-kernel';
import { type BindingImports, bindPort, type PortBinding } from '@latchkey/platform';
import { ActorAccess } from './application/actor-access';
import { CreateProfile } from './application/create-profile';
import { DeleteUser } from './application/delete-user';
import { AccessClaimsOfUser } from './application/access-claims-of-user';
import { GetProfile } from './application/get-profile';
import { GetUser } from './application/get-user';
import { GrantAdmin } from './application/grant-admin';
import { DiscardAbandonedOrganization } from './application/discard-abandoned-organization';
import { ListUsers } from './application/list-users';
import { CheckSlug } from './application/check-slug';
import { CreateOrganization } from './application/create-organization';
import { MembershipsOfUser } from './application/memberships-of-user';
import { OrganizationAccess } from './application/organization-access';
import { ListOwnOrganizations } from './application/list-own-organizations';
import { OrganizationMembers } from './application/organization-members';
import {
  AccountDirectory,
  OrganizationRepository,
  ProfileAuditTrail,
  ProfileRepository,
  RegistrationSource,
} from './application/ports';
import { SetUserRoles } from './application/set-user-roles';
import { UpdateUser } from './application/update-user';
import { OrganizationsController, SlugController } from './adapters/http/organizations.controller';
import { UsersController } from './adapters/http/users.controller';
import { DrizzleOrganizationRepository } from './adapters/persistence/drizzle-organization-repository';
import { DrizzleProfileRepository } from './adapters/persistence/drizzle-profile-repository';
import { BackfillingProfileRepository } from './adapters/persistence/backfilling-profile-repository';
import { InternalOrganizationsController } from './adapters/http/internal-organizations.controller';
import { RegisteredProfilesSubscription } from './adapters/messaging/registered-profiles.subscription';
import { AbandonedOrganizationsCleanup } from './adapters/scheduling/abandoned-organizations-cleanup';
import { SweepAbandonedOrganizations } from './application/sweep-abandoned-organizations';

/** What user-profile needs from the deployment hosting it. */
export interface UserProfileModuleOptions {
  /** The accounts behind the users (who exists, their email; erasing one). */
  accounts: PortBinding<AccountDirectory>;
  /** Where profile and membership changes are recorded, in their transaction. */
  auditTrail: PortBinding<ProfileAuditTrail>;
  /** Who a bearer token belongs to, for the guard on every route. */
  authenticator: PortBinding<AccessTokenAuthenticator>;
  /**
   * Set when identity is not in the process (the user service): where a registered account's
   * profile comes from before its `UserRegistered` arrives. Profiles are then also built from
   * that event, and the auth service's sign-up creates organizations over the internal API.
   */
  registrations?: PortBinding<RegistrationSource>;
  /** Modules exporting what the bindings name. */
  imports?: BindingImports;
}

/**
 * Profiles, roles, organizations and the users API. Other modules reach it only through
 * ./index.ts. It never imports another business module: what it needs from accounts, the audit
 * trail and authentication it declares as ports, and the composition root binds them (in the
 * monolith, to identity's adapters; in a deployment of its own, to remote ones).
 */
@Module({})
export class UserProfileModule {
  static forRoot(options: UserProfileModuleOptions): DynamicModule {
    const alone = options.registrations;
    return {
      module: UserProfileModule,
      imports: options.imports ?? [],
      controllers: [
        UsersController,
        OrganizationsController,
        SlugController,
        ...(alone ? [InternalOrganizationsController] : []),
      ],
      providers: [
        bindPort(AccountDirectory, options.accounts),
        bindPort(ProfileAuditTrail, options.auditTrail),
        bindPort(AccessTokenAuthenticator, options.authenticator),
        DrizzleProfileRepository,
        ...(alone
          ? [
              bindPort(RegistrationSource, alone),
              {
                provide: ProfileRepository,
                inject: [DrizzleProfileRepository, RegistrationSource],
                useFactory: (stored: ProfileRepository, registrations: RegistrationSource) =>
                  new BackfillingProfileRepository(stored, registrations),
              },
              RegisteredProfilesSubscription,
              // Sign-up's organizations left by an auth service that died mid sign-up.
              SweepAbandonedOrganizations,
              AbandonedOrganizationsCleanup,
            ]
          : [{ provide: ProfileRepository, useExisting: DrizzleProfileRepository }]),
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
        DiscardAbandonedOrganization,
      ],
      exports: [
        CreateProfile,
        GetProfile,
        GrantAdmin,
        CreateOrganization,
        MembershipsOfUser,
        AccessClaimsOfUser,
      ],
    };
  }
}
