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
  type ProfileAuditEvent,
  ProfileAuditTrail,
  type ProfileEventType,
  PROFILE_EVENT_TYPES,
  RegistrationSource,
  // Tokens a composition root may inject into what it binds (the user service's claims push).
  OrganizationRepository,
  ProfileRepository,
} from './application/ports';
export { publishedProfileEvents } from './adapters/messaging/published-profile-events';
// The user service of the services deployment (docs/decisions/0012-services-deployment.md).
export { RemoteAccountDirectory } from './adapters/auth-service/remote-account-directory';
export { OutboxProfileAuditTrail } from './adapters/messaging/outbox-profile-audit-trail';
export { RenameForwardingAuditTrail } from './adapters/auth-service/rename-forwarding-audit-trail';
export { ClaimsPush } from './adapters/auth-service/claims-push';
export { AuditForwardOutbox, type ForwardedAuditRecord } from './adapters/auth-service/audit-forward-outbox';
export { AuditForwarder } from './adapters/auth-service/audit-forwarder';
export { ForwardingAuditTrail } from './adapters/auth-service/forwarding-audit-trail';
export type { GlobalRole, Profile } from './domain/profile';
export { userProfileMigrations } from './migrations';
