import { Injectable } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import { SessionRepository } from './ports';

export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  deviceId: string | null;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

@Injectable()
export class ListSessions {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
  ) {}

  async execute(userId: string, currentSessionId: string): Promise<SessionView[]> {
    const sessions = await this.sessions.listActiveForUser(userId, this.clock.now());
    return sessions.map((session) => ({
      id: session.id,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      // When it stops being refreshable: the sooner of the idle and the absolute limits.
      expiresAt: new Date(
        Math.min(session.expiresAt.getTime(), session.idleExpiresAt.getTime()),
      ).toISOString(),
      deviceId: session.deviceId,
      userAgent: session.userAgent,
      ip: session.ip,
      current: session.id === currentSessionId,
    }));
  }
}
