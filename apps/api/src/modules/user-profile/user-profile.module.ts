import { Module } from '@nestjs/common';
import { ActorAccess } from './application/actor-access';
import { CreateProfile } from './application/create-profile';
import { DeleteUser } from './application/delete-user';
import { GetProfile } from './application/get-profile';
import { GetUser } from './application/get-user';
import { GrantAdmin } from './application/grant-admin';
import { ListUsers } from './application/list-users';
import { ProfileRepository } from './application/ports';
import { SetUserRoles } from './application/set-user-roles';
import { UpdateUser } from './application/update-user';
import { UsersController } from './adapters/http/users.controller';
import { DrizzleProfileRepository } from './adapters/persistence/drizzle-profile-repository';

/**
 * Profiles, roles and the users API. Other modules reach it only through ./index.ts. The ports it
 * declares for accounts and the audit trail (AccountDirectory, ProfileAuditTrail) are provided
 * by the identity module, which depends on this one and not the reverse.
 */
@Module({
  controllers: [UsersController],
  providers: [
    { provide: ProfileRepository, useClass: DrizzleProfileRepository },
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
  exports: [CreateProfile, GetProfile, GrantAdmin],
})
export class UserProfileModule {}
