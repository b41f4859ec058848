import { type DynamicModule, Module } from '@nestjs/common';
import { type BindingImports, bindPort, type PortBinding } from '@latchkey/platform';
import { ClaimsProjectionStore } from './application/ports';
import { ProjectProfileFacts } from './application/project-profile-facts';
import { RenameProjectedUser } from './application/rename-projected-user';
import { ReplaceProjectedClaims } from './application/replace-projected-claims';
import { ProjectionController } from './adapters/user-service/projection.controller';
import { AuditIntakeController } from './adapters/user-service/audit-intake.controller';
import { RecordForwardedAuditEvents } from './application/record-forwarded-audit-events';
import { ClaimsProjectionSubscription } from './adapters/user-service/claims-projection.subscription';
import { DrizzleClaimsProjection } from './adapters/user-service/drizzle-claims-projection';
import {
  OrganizationRegistry,
  ProjectedProfileDirectory,
} from './adapters/user-service/projected-profile-directory';
import { IdentityCoreModule } from './identity.module';
import type { IdentityConfig } from './identity-config';

export interface IdentityProjectionOptions {
  config: IdentityConfig;
  /** Where sign-up's organization is created (the user service, over an internal call). */
  organizations: PortBinding<OrganizationRegistry>;
  imports?: BindingImports;
}

/**
 * Identity without user-profile in the process (the auth service of the services deployment,
 * docs/decisions/0012-services-deployment.md): the claims projection, fed by user-profile's
 * events, and ProjectedProfileDirectory over it, which the composition root binds as identity's
 * ProfileDirectory; and the intake of user-profile's audit records into identity's trail.
 */
@Module({})
export class IdentityProjectionModule {
  static forRoot(options: IdentityProjectionOptions): DynamicModule {
    return {
      module: IdentityProjectionModule,
      imports: [IdentityCoreModule.forRoot(options.config), ...(options.imports ?? [])],
      controllers: [ProjectionController, AuditIntakeController],
      providers: [
        RenameProjectedUser,
        ReplaceProjectedClaims,
        RecordForwardedAuditEvents,
        { provide: ClaimsProjectionStore, useClass: DrizzleClaimsProjection },
        bindPort(OrganizationRegistry, options.organizations),
        ProjectProfileFacts,
        ProjectedProfileDirectory,
        ClaimsProjectionSubscription,
      ],
      exports: [ProjectedProfileDirectory, ClaimsProjectionStore],
    };
  }
}
