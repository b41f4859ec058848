import { type DynamicModule, Global, Module } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import type { InternalAuthConfig } from './internal-auth-config';
import { InternalTokenIssuer, InternalTokenVerifier } from './internal-tokens';

/**
 * A process of the services deployment: the issuer of its own internal tokens (made as `self`)
 * and the verifier of those addressed to it, both under the secrets it shares with each peer. The
 * composition root installs `requireInternalCallers` with the verifier (the gateway verifies
 * nothing: it is public).
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
          useFactory: (clock: Clock) => new InternalTokenIssuer(self, config.peerKeys, clock),
        },
        {
          provide: InternalTokenVerifier,
          inject: [Clock],
          useFactory: (clock: Clock) => new InternalTokenVerifier(self, config.peerKeys, clock),
        },
      ],
      exports: [InternalTokenIssuer, InternalTokenVerifier],
    };
  }
}
