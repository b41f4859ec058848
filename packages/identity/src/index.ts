// The identity module's public surface.
export {
  IdentityAdminModule,
  IdentityCoreModule,
  IdentityModule,
  type IdentityModuleOptions,
} from './identity.module';
export { IdentityConfig, readIdentityConfig, readTokenAudience } from './identity-config';
// The adapters between identity and user-profile, for a composition root hosting both.
export { SessionAccessTokenAuthenticator } from './adapters/http/session-access-token-authenticator';
export { IdentityAccountDirectory } from './adapters/user-profile/identity-account-directory';
export { IdentityProfileAuditTrail } from './adapters/user-profile/identity-profile-audit-trail';
export { UserProfileDirectory } from './adapters/user-profile/user-profile-directory';
export { signingKeyStartupProblems } from './adapters/crypto/signing-key-preflight';
export { NoUsableSigningKey } from './application/signing-keys/ensure-signing-key';
// For a deployment that verifies identity's access tokens away from identity's key store (the
// gateway of the services deployment, docs/decisions/0012-services-deployment.md).
export { JwksUnavailable, RemoteJwks, type RemoteJwksOptions } from './adapters/crypto/remote-jwks';
export { RemoteAccessTokenVerifier } from './adapters/crypto/remote-access-token-verifier';

// What operators do from the command line (apps/api/src/cli), through the same door as every
// other caller.
export { ListAuditEvents } from './application/list-audit-events';
export { PurgeAuditEvents } from './application/purge-audit-events';
export { VoidPasswordResetLinks } from './application/void-password-reset-links';
export { ListSessionsOfUser } from './application/list-sessions-of-user';
export { type OperatorRevocation, RevokeSessionsAsOperator } from './application/revoke-sessions-as-operator';
export { RevokeAllSessionsAsOperator } from './application/revoke-all-sessions-as-operator';
export { ActivateSigningKey } from './application/signing-keys/activate-signing-key';
export { AddSigningKey } from './application/signing-keys/add-signing-key';
export { ExportPublicKey } from './application/signing-keys/export-public-key';
export { ImportSigningKey } from './application/signing-keys/import-signing-key';
export { ListSigningKeys } from './application/signing-keys/list-signing-keys';
export { RemoveSigningKey } from './application/signing-keys/remove-signing-key';
export { RetireSigningKey } from './application/signing-keys/retire-signing-key';
export { RevokeSigningKey } from './application/signing-keys/revoke-signing-key';
// A deployment whose schedule runs outside the process (apps/serverless: EventBridge Scheduler).
export { RotateSigningKeys } from './application/signing-keys/rotate-signing-keys';
export { identityMigrations } from './migrations';
// The auth service of the services deployment (docs/decisions/0012-services-deployment.md).
export { IdentityProjectionModule, type IdentityProjectionOptions } from './identity-projection.module';
export {
  OrganizationRegistry,
  ProjectedProfileDirectory,
} from './adapters/user-service/projected-profile-directory';
export { HttpOrganizationRegistry } from './adapters/user-service/http-organization-registry';
export { edgeAccessTokenAuthenticator } from './adapters/gateway/edge-authentication';
export { RemoteSessionAccess } from './adapters/gateway/remote-session-access';
