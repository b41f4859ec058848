import { randomUUID } from 'node:crypto';
import type { Account } from '../domain/account';
import type { Session } from '../domain/session';

let counter = 0;

/** Small builders for test data: each call is unique, override only what the test is about. */
export function anAccount(overrides: Partial<Account> = {}): Account {
  counter += 1;
  return {
    id: randomUUID(),
    email: `user${counter}-${randomUUID().slice(0, 8)}@example.com`,
    passwordHash: '$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
    emailVerifiedAt: null,
    disabledAt: null,
    deletedAt: null,
    createdAt: new Date(),
    ...overrides,
  };
}

export function aSession(userId: string, overrides: Partial<Session> = {}): Session {
  const now = new Date();
  return {
    id: randomUUID(),
    userId,
    deviceId: null,
    userAgent: 'jest',
    ip: '127.0.0.1',
    createdAt: now,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + 30 * 86_400_000),
    idleExpiresAt: new Date(now.getTime() + 7 * 86_400_000),
    revokedAt: null,
    revokeReason: null,
    reuseDetectedAt: null,
    activeOrganizationId: null,
    ...overrides,
  };
}
