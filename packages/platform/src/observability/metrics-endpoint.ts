import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Metrics } from './metrics';

/**
 * `GET /metrics` in Prometheus text format on its own port (METRICS_PORT), never on the public
 * one: what it tells (login failure rates, queue depths) is for operators, and the port is one a
 * load balancer does not route. Off unless METRICS_PORT is set. Also refreshes the gauges that
 * need a query, every METRICS_REFRESH_INTERVAL.
 */
@Injectable()
export class MetricsEndpoint implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { metricsPort, metricsHost, refreshSeconds } = this.config.observability;
    if (metricsPort === undefined) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), refreshSeconds * 1000);
    this.timer.unref();

    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
        return;
      }
      this.metrics.text().then(
        (text) => response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (error: Error) => {
          this.logger.error(`metrics could not be collected: ${error.message}`);
          response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(metricsPort, metricsHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics at http://${metricsHost}:${this.port}/metrics`);
  }

  /** The bound port (METRICS_PORT=0 picks a free one: tests). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async refresh(): Promise<void> {
    for (const result of await this.metrics.refresh()) {
      if (result.status === 'rejected')
        this.logger.warn(`a metrics refresh failed: ${(result.reason as Error).message}`);
    }
  }
}
