import { Injectable } from '@nestjs/common';
import { Clock, ValidationFailed } from '@latchkey/shared-kernel';
import { normalizeEmail } from '../domain/email';
import { AccountRepository, AuditLog, type RecordedAuthEvent } from './ports';

const DAY = 86_400;
const MAX_LIMIT = 1_000;

export interface ListAuditEventsQuery {
  email: string;
  /** How far back, in seconds (default 7 days). */
  sinceSeconds?: number;
  /** Only these event types (default: all). */
  types?: readonly string[];
  /** Newest first, at most this many (default 50, at most 1,000). */
  limit?: number;
}

/**
 * An operator reads what happened to an address: the events of its account (logins, resets,
 * sessions, lockouts) and those that name it without an account (a reset requested for an
 * unknown address, failed logins). The password-reset runbook starts here.
 */
@Injectable()
export class ListAuditEvents {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async execute(
    query: ListAuditEventsQuery,
  ): Promise<{ userId: string | null; events: RecordedAuthEvent[] }> {
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new ValidationFailed([
        { field: 'limit', message: `must be a whole number from 1 to ${MAX_LIMIT}` },
      ]);
    }
    const email = normalizeEmail(query.email);
    const account = await this.accounts.findByEmail(email);
    const since = new Date(this.clock.now().getTime() - (query.sinceSeconds ?? 7 * DAY) * 1000);
    const userId = account?.id ?? null;
    const events = await this.audit.find({ userId, email, since, types: query.types ?? [], limit });
    return { userId, events };
  }
}
