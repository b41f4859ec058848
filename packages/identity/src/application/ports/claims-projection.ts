import type { ProjectedClaims } from '../../domain/claims-projection';

/** A user's row of the claims projection: their name beside the claims tokens are minted from. */
export interface ProjectedUser extends ProjectedClaims {
  name: string;
  /** The newest user-profile event the row reflects (UUIDv7); null before the first. */
  lastEventId: string | null;
}

/**
 * The services deployment's copy of user-profile's data inside identity
 * (domain/claims-projection.ts). Each method runs in the caller's transaction.
 */
export abstract class ClaimsProjectionStore {
  abstract find(userId: string): Promise<ProjectedUser | undefined>;
  /** The row, locked until the transaction ends: facts about one user are applied one at a time. */
  abstract lock(userId: string): Promise<ProjectedUser | undefined>;
  /** Ids of the users with a membership in the organization, their rows locked. */
  abstract lockMembersOf(organizationId: string): Promise<string[]>;
  /** Inserts or replaces the row. */
  abstract save(user: ProjectedUser, now: Date): Promise<void>;
  abstract remove(userId: string): Promise<void>;
}
