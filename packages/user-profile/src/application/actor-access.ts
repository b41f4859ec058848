import { type Permission, permissionsOf } from '@latchkey/contracts';
import { Injectable } from '@nestjs/common';
import type { Principal } from '@latchkey/shared-kernel';
import { AdminRequired, UserNotFound } from '../domain/errors';
import { mayAccess } from '../domain/profile';
import { ProfileRepository } from './ports';

export interface Actor {
  userId: string;
  /** What the actor may do: granted by the token and by the current roles both. */
  permissions: string[];
}

/**
 * An actor's permissions are those of their token (the grant the bearer guard checked) that
 * their roles still grant now, read from the database at each request: a demoted admin's
 * token, still valid for minutes, is refused at once, and a token issued with fewer permissions
 * than its roles would give is held to what it carries.
 */
@Injectable()
export class ActorAccess {
  constructor(private readonly profiles: ProfileRepository) {}

  async actor(principal: Principal): Promise<Actor> {
    const profile = await this.profiles.findByUserId(principal.userId);
    const current = new Set<string>(permissionsOf(profile?.roles ?? []));
    return {
      userId: principal.userId,
      permissions: principal.permissions.filter((permission) => current.has(permission)),
    };
  }

  /** Someone holding `permission` over users (what the admin role grants). */
  async admin(principal: Principal, permission: Permission): Promise<Actor> {
    const actor = await this.actor(principal);
    if (!actor.permissions.includes(permission)) throw new AdminRequired();
    return actor;
  }

  /** The user themself, or someone holding `permission` over users; anyone else gets the 404 a missing user gets. */
  async selfOrAdmin(principal: Principal, targetId: string, permission: Permission): Promise<Actor> {
    const actor = await this.actor(principal);
    if (!mayAccess(actor, targetId, permission)) throw new UserNotFound();
    return actor;
  }
}
