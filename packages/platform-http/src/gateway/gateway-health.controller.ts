import { Controller, Inject, VERSION_NEUTRAL } from '@nestjs/common';
import { HealthProbes } from '../health/health-probes';
import type { DependencyCheck } from '../health/readiness';
import type { Upstream } from './upstream-proxy';

export const GATEWAY_UPSTREAMS = Symbol('GatewayUpstreams');

const UPSTREAM_TIMEOUT_MS = 1_500;

/**
 * The gateway's probes. Ready while the auth service is (sign-in is what clients cannot do
 * without); the other services are reported without deciding, so a user service that is down
 * leaves login and refresh served.
 */
@Controller({ path: 'health', version: VERSION_NEUTRAL })
export class GatewayHealthController extends HealthProbes {
  protected readonly checks: DependencyCheck[];

  constructor(@Inject(GATEWAY_UPSTREAMS) upstreams: Upstream[]) {
    super();
    this.checks = upstreams.map((upstream) => ({
      name: upstream.name,
      critical: upstream.name === 'auth-service',
      timeoutMs: UPSTREAM_TIMEOUT_MS,
      probe: async () => {
        const response = await fetch(new URL('/health/ready', upstream.url), {
          signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
        });
        if (!response.ok) throw new Error(`answered ${response.status}`);
      },
    }));
  }
}
