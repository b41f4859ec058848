// The user-profile module's public surface: other modules import from here and nowhere deeper.
export { UserProfileModule, type UserProfileModuleOptions } from './user-profile.module';
export { CreateProfile } from './application/create-profile';
export { GetProfile } from './application/get-profile';
export { GrantAdmin } from './application/grant-admin';
export { CreateOrganization } from './application/create-organization';
export { MembershipsOfUser } from './application/memberships-of-user';
export { AccessClaimsOfUser } from './application/access-claims-of-user';
export {
  AccountDirectory,
  type AccountView,
  ProfileAuditTrail,
  type ProfileEventType,
} from './application/ports';
export type { GlobalRole, Profile } from './domain/profile';
export { userProfileMigrations } from './migrations';
