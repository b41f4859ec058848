import type { InternalHttpClient } from '@latchkey/platform-http';
import { type ProfileAuditEvent, ProfileAuditTrail } from '../../application/ports';

/**
 * The user service's audit trail: its outbox (`inner`), and for a rename a synchronous call that
 * gives the auth service the new name too, so `/auth/me` shows it at once, as in the monolith
 * (the public event names the changed field, never its value). Made before the rename commits:
 * an auth service that cannot be reached fails the rename (503) rather than let the two disagree;
 * a rename rolled back after the call leaves the old name in the profile and the new one in the
 * auth service until the next rename, which only shows the user their own choice.
 */
export class RenameForwardingAuditTrail extends ProfileAuditTrail {
  constructor(
    private readonly inner: ProfileAuditTrail,
    private readonly auth: InternalHttpClient,
  ) {
    super();
  }

  async record(event: ProfileAuditEvent): Promise<void> {
    await this.inner.record(event);
    const name = event.data?.name;
    if (event.type === 'UserProfileUpdated' && typeof name === 'string')
      await this.auth.call('POST', `/internal/accounts/${event.userId}/name`, { name });
  }
}
