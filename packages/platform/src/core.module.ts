import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { Clock, SystemClock } from '@latchkey/shared-kernel';
import { AppConfig } from './config/app-config';
import { ServerSecrets } from './config/server-secrets';
import { Metrics } from './observability/metrics';
import { MetricsEndpoint } from './observability/metrics-endpoint';

/**
 * Configuration, secrets, time and metrics, available to every module. Tests swap the clock for
 * a controllable one. `serveMetrics` (the API server, not operator commands) opens METRICS_PORT.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(
    config: AppConfig,
    clock: Clock = new SystemClock(),
    options: { serveMetrics?: boolean } = {},
  ): DynamicModule {
    const serve = options.serveMetrics === true;
    const endpoint: Provider[] = serve ? [MetricsEndpoint] : [];
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock },
        { provide: ServerSecrets, useFactory: () => new ServerSecrets(config) },
        {
          provide: Metrics,
          useFactory: () => new Metrics(serve && config.observability.metricsPort !== undefined),
        },
        ...endpoint,
      ],
      exports: [AppConfig, Clock, ServerSecrets, Metrics, ...endpoint],
    };
  }
}
