import { type Database, requestContext } from '@latchkey/platform';
import type { InternalHttpClient } from '@latchkey/platform-http';
import type { OrganizationRepository, ProfileRepository } from '../../application/ports';

/**
 * The user service tells the auth service a user's claims (roles, memberships) right after a
 * change to them commits, and the response waits for it (`RequestContext.beforeResponse`), so the
 * client's next login or refresh mints them, as in the monolith. Never before the commit: a
 * rolled-back grant must not reach a token. `version` is the change's newest event id; the auth
 * service keeps whichever of a push and an event is newer, and the events remain the backstop
 * for a push that fails (logged, not the client's error).
 */
export class ClaimsPush {
  constructor(
    private readonly auth: InternalHttpClient,
    private readonly database: Database,
    private readonly profiles: ProfileRepository,
    private readonly organizations: OrganizationRepository,
  ) {}

  /** Called within the change's transaction. */
  changed(userId: string, version: string): void {
    const context = requestContext.getStore();
    // The auth service's own call (sign-up's organization) is answered inside its transaction,
    // which already holds the owner's claims: waiting on a push to it would wait on itself.
    if (context?.internalCaller === 'auth-service') return;
    this.database.afterCommit(() => {
      const push = this.push(userId, version).catch((error: unknown) =>
        context?.log.warn(
          { err: error, userId },
          'claims push to the auth service failed; the event will bring them',
        ),
      );
      if (context) (context.beforeResponse ??= []).push(push);
    });
  }

  private async push(userId: string, version: string): Promise<void> {
    const [profile, memberships] = await Promise.all([
      this.profiles.findByUserId(userId),
      this.organizations.membershipsOf(userId),
    ]);
    await this.auth.call('POST', '/internal/claims', {
      users: [
        {
          userId,
          version,
          deleted: profile === undefined,
          roles: profile?.roles ?? [],
          memberships: profile
            ? memberships.map(({ organizationId, role, createdAt }) => ({
                organizationId,
                role,
                since: createdAt.toISOString(),
              }))
            : [],
        },
      ],
    });
  }
}
