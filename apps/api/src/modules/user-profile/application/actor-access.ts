import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../shared-kernel/principal';
import { AdminRequired, UserNotFound } from '../domain/errors';
import { isAdmin, mayAccess } from '../domain/profile';
import { ProfileRepository } from './ports';

export interface Actor {
  userId: string;
  roles: string[];
}

/**
 * Authorization reads the caller's roles from the database at each request, not from the token:
 * a demoted admin's token, still valid for minutes, is refused at once.
 */
@Injectable()
export class ActorAccess {
  constructor(private readonly profiles: ProfileRepository) {}

  async actor(principal: Principal): Promise<Actor> {
    const profile = await this.profiles.findByUserId(principal.userId);
    return { userId: principal.userId, roles: profile?.roles ?? [] };
  }

  async admin(principal: Principal): Promise<Actor> {
    const actor = await this.actor(principal);
    if (!isAdmin(actor.roles)) throw new AdminRequired();
    return actor;
  }

  /** The user themself or an admin; anyone else gets the 404 a missing user gets. */
  async selfOrAdmin(principal: Principal, targetId: string): Promise<Actor> {
    const actor = await this.actor(principal);
    if (!mayAccess(actor, targetId)) throw new UserNotFound();
    return actor;
  }
}
