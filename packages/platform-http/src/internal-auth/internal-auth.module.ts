import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import type { InternalAuthConfig } from './internal-auth-config';
import { InternalTokenIssuer, InternalTokenVerifier } from './internal-tokens';

/**
 * A process of the services deployment: the issuer of its own internal tokens (signed as `self`)
 * and the verifier of those addressed to it, from the callers it trusts. The composition root
 * installs `requireInternalCallers` with the verifier (the gateway verifies nothing: it is public).
 */
@Global()
@Module({})
export class InternalAuthModule {
  static forRoot(self: string, config: InternalAuthConfig): DynamicModule {
    return {
      module: InternalAuthModule,
      providers: [
        {
          provide: InternalTokenIssuer,
          inject: [Clock],
          useFactory: (clock: Clock) => InternalTokenIssuer.fromPem(self, config.privateKeyPem, clock),
        },
        {
          provide: InternalTokenVerifier,
          inject: [Clock],
          useFactory: (clock: Clock) => InternalTokenVerifier.create(self, config.trustedKeys, clock),
        },
      ],
      exports: [InternalTokenIssuer, InternalTokenVerifier],
    };
  }
}
