// The identity module's public surface.
export { IdentityAdminModule, IdentityModule } from './identity.module';
export { signingKeyStartupProblems } from './adapters/crypto/signing-key-preflight';
export { NoUsableSigningKey } from './application/signing-keys/ensure-signing-key';
