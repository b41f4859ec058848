import { type DynamicModule, Module } from '@nestjs/common';
import { CoreModule } from '@latchkey/platform';
import {
  GATEWAY_UPSTREAMS,
  GatewayHealthController,
  InternalAuthModule,
  OpenApiModule,
  type OpenApiSpec,
  type Upstream,
} from '@latchkey/platform-http';
import type { Clock } from '@latchkey/shared-kernel';
import type { GatewayConfig } from './gateway-config';

/** The gateway's own routes: its probes and the contract; everything else is proxied. */
@Module({})
export class GatewayModule {
  static register(options: {
    config: GatewayConfig;
    upstreams: Upstream[];
    spec: OpenApiSpec;
    clock?: Clock;
  }): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        CoreModule.forRoot(options.config.platform, options.clock, { serveMetrics: true }),
        InternalAuthModule.forRoot('gateway', options.config.internalAuth),
        OpenApiModule.forRoot(options.spec),
      ],
      controllers: [GatewayHealthController],
      providers: [{ provide: GATEWAY_UPSTREAMS, useValue: options.upstreams }],
    };
  }
}
