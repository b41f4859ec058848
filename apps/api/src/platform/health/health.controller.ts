import { Controller, Get, Header } from '@nestjs/common';
import { ServiceUnavailable } from '../../shared-kernel/domain-error';
import { Database } from '../database/database';

const READINESS_TIMEOUT_MS = 1_000;
const RETRY_AFTER_SECONDS = 5;

@Controller('health')
export class HealthController {
  constructor(private readonly database: Database) {}

  /** Liveness: the process answers. Never touches dependencies, so a DB outage does not restart pods. */
  @Get()
  @Header('cache-control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers within a second; recovers by itself when it comes back. */
  @Get('ready')
  @Header('cache-control', 'no-store')
  async ready(): Promise<{ status: 'ready'; checks: { database: 'up' } }> {
    try {
      await this.database.ping(READINESS_TIMEOUT_MS);
    } catch {
      throw new ServiceUnavailable('The database is unavailable', { retryAfterSeconds: RETRY_AFTER_SECONDS });
    }
    return { status: 'ready', checks: { database: 'up' } };
  }
}
