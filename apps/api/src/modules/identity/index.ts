// The identity module's public surface.
export { IdentityAdminModule, IdentityModule } from './identity.module';
