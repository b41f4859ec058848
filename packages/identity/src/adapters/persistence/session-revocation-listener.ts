import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '@latchkey/platform';
import { SessionAccessCache } from './session-access-cache';

/** NOTIFY channel of committed session revocations; the payload is their ids, or `*`. */
export const SESSIONS_REVOKED_CHANNEL = 'latchkey_sessions_revoked';

/** PostgreSQL refuses NOTIFY payloads from 8000 bytes on: a bigger batch says "all" instead. */
const MAX_PAYLOAD_LENGTH = 7_900;
const EVERYTHING = '*';

export function revocationPayload(sessionIds: readonly string[]): string {
  const ids = sessionIds.join(',');
  return ids.length <= MAX_PAYLOAD_LENGTH ? ids : EVERYTHING;
}

/**
 * The API's bearer check caches session status for a few seconds. A revocation made by another
 * process (`pnpm sessions revoke`, another instance's logout or reuse detection) reaches this
 * one's cache at once through NOTIFY, so "revoked" means refused now, not within 5 s.
 */
@Injectable()
export class SessionRevocationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopListening: (() => Promise<void>) | undefined;

  constructor(
    private readonly database: Database,
    private readonly cache: SessionAccessCache,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.stopListening = await this.database.listen(SESSIONS_REVOKED_CHANNEL, (payload) => {
      // No payload: the listening connection was lost and is back; what it missed is unknown.
      if (!payload || payload === EVERYTHING) this.cache.clear();
      else this.cache.evict(payload.split(','));
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopListening?.();
  }
}
