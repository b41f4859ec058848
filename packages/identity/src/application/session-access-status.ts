import { Injectable } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import { SessionRepository } from './ports';

/**
 * Whether a session's access tokens are still honoured (not revoked, logged out, reuse-detected
 * or ended): the half of the bearer check that a verifier holding only the public keys cannot
 * make (the gateway of the services deployment asks it, and caches the answer as briefly as this
 * process's own session cache).
 */
@Injectable()
export class SessionAccessStatus {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
  ) {}

  execute(sessionId: string, userId: string): Promise<'active' | 'inactive'> {
    return this.sessions.accessStatus(sessionId, userId, this.clock.now());
  }
}
