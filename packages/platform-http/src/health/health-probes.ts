import { Get, Header } from '@nestjs/common';
import { assessReadiness, type DependencyCheck, type ReadinessReport } from './readiness';

/**
 * The two probes every process answers under `/health` (a subclass is the `@Controller` and says
 * what readiness checks): liveness and readiness, never cached.
 */
export abstract class HealthProbes {
  protected abstract readonly checks: DependencyCheck[];

  /** Liveness: the process answers. Never touches dependencies, so a DB outage does not restart pods. */
  @Get()
  @Header('cache-control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the critical checks pass in time; the others are reported without deciding. */
  @Get('ready')
  @Header('cache-control', 'no-store')
  ready(): Promise<ReadinessReport> {
    return assessReadiness(this.checks);
  }
}
