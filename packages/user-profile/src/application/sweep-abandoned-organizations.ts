import { Injectable } from '@nestjs/common';
import { OrganizationStillClaimed } from '../domain/errors';
import { DiscardAbandonedOrganization } from './discard-abandoned-organization';
import { AccountDirectory, OrganizationRepository } from './ports';

/** Sign-up's transaction is long over by then: an organization younger than this is left alone. */
export const ABANDONED_AFTER_MS = 10 * 60 * 1000;
/** How far back a run looks: a day covers the clean-up's interval many times over. */
export const SWEEP_WINDOW_MS = 24 * 3600 * 1000;
/** The auth service's accounts are asked for in pages of this many. */
const PAGE = 500;

/**
 * The backstop of the services deployment's sign-up: when the auth service dies between the user
 * service's commit of the organization and its own rollback, nobody asks for the organization to
 * be discarded, and it stays with an owner who has no account. The scheduled clean-up finds such
 * organizations (their one member the owner, made more than ten minutes and less than a day ago,
 * the owner's account absent) and discards each as the rollback would have
 * (DiscardAbandonedOrganization: still as made, recorded as `sign_up_abandoned`).
 */
@Injectable()
export class SweepAbandonedOrganizations {
  constructor(
    private readonly accounts: AccountDirectory,
    private readonly organizations: OrganizationRepository,
    private readonly discard: DiscardAbandonedOrganization,
  ) {}

  /** Discards up to `limit`; how many went. */
  async execute(now: Date, limit: number): Promise<number> {
    const to = new Date(now.getTime() - ABANDONED_AFTER_MS);
    const from = new Date(to.getTime() - SWEEP_WINDOW_MS);
    let discarded = 0;
    let afterId: string | undefined;
    for (;;) {
      const page = await this.organizations.soleOwnedMadeBetween(from, to, afterId, PAGE);
      if (page.length === 0) return discarded;
      const live = new Set(
        (await this.accounts.findMany(page.map(({ ownerId }) => ownerId))).map(({ id }) => id),
      );
      for (const { organizationId, ownerId } of page.filter(({ ownerId }) => !live.has(ownerId))) {
        try {
          await this.discard.execute(
            organizationId,
            ownerId,
            { ip: null, userAgent: null, requestId: null },
            'sign_up_abandoned',
          );
          discarded += 1;
        } catch (error) {
          if (!(error instanceof OrganizationStillClaimed)) throw error; // joined or claimed since
        }
        if (discarded >= limit) return discarded;
      }
      afterId = page.at(-1)!.organizationId;
    }
  }
}
