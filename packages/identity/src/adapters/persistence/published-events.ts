import type { EventName } from '@latchkey/contracts';
import { type OutgoingEvent, outgoingEvent } from '@latchkey/platform-messaging';
import { publishedProfileEvents } from '@latchkey/user-profile';
import type { AuthEvent } from '../../application/ports';

type Data = Record<string, unknown>;
type Published = { name: EventName; subject: string; data: Data };

/** Signing-key events have no user: they keep their order among themselves. */
const SIGNING_KEYS_ORDERING_KEY = 'signing-keys';

/** The audit trail keeps the revoked sessions' ids for some events, a count for others. */
const countOf = (value: unknown) => (Array.isArray(value) ? value.length : Number(value ?? 0));

/**
 * The public events an audit event is published as: the one place an audit name (internal, free
 * to change) becomes a contract type (`latchkey.….v1`, fixed). Each field is picked by name, so
 * nothing the audit trail keeps for investigators (email, ip, user agent, device) leaks into an
 * event by accident; the contract's schemas refuse extra fields too. Events about no known
 * account (a failed login for an unknown address) stay in the audit trail alone.
 */
function publishedAs(event: AuthEvent): Published[] {
  const data = event.data ?? {};
  const userId = event.userId;
  const sessionId = event.sessionId;
  if (event.type === 'SigningKeyChanged') {
    const { kid, action, from, to } = data;
    return [{ name: 'SigningKeyChanged', subject: String(kid), data: { kid, action, from, to } }];
  }
  if (userId === null) return [];
  const about = (name: EventName, fields: Data = {}): Published => ({
    name,
    subject: userId,
    data: { userId, ...fields },
  });
  switch (event.type) {
    case 'UserRegistered':
      return [about('UserRegistered', { email: data.email, name: data.name })];
    case 'EmailVerified':
      return [about('EmailVerified', { method: data.method })];
    case 'UserLoggedIn': {
      const organizationId = typeof data.organizationId === 'string' ? data.organizationId : null;
      const signup = data.via === 'signup';
      return [
        about('UserLoggedIn', { sessionId, via: signup ? 'signup' : 'password' }),
        about('AuthSessionCreated', { sessionId, organizationId }),
        ...(signup && organizationId
          ? [about('OrganizationSignupCompleted', { organizationId, sessionId })]
          : []),
      ];
    }
    case 'UserLoginFailed':
      return [about('UserLoginFailed')];
    case 'UserLoggedOut':
      return [
        about('UserLoggedOut', {
          sessionId,
          allDevices: data.allDevices === true,
          revokedSessions: countOf(data.revokedSessions),
        }),
      ];
    case 'RefreshTokenRotated':
      return [
        about('RefreshTokenRotated', {
          sessionId,
          replayedWithinGraceWindow: data.replayedWithinGraceWindow === true,
        }),
      ];
    case 'RefreshTokenReuseDetected':
      return [
        about('RefreshTokenReuseDetected', { sessionId }),
        about('SessionRevoked', { sessionId, reason: 'refresh_token_reuse' }),
        about('SuspiciousActivityDetected', { kind: 'refresh_token_reuse' }),
      ];
    case 'SessionRevoked':
      return [about('SessionRevoked', { sessionId, reason: data.by === 'operator' ? 'operator' : 'user' })];
    case 'SessionExpired':
      return [about('SessionExpired', { sessionId, expiredAt: data.expiredAt })];
    case 'PasswordResetRequested':
      return [about('PasswordResetRequested', { emailSent: data.emailSent === true })];
    case 'PasswordResetCompleted':
      return [about('PasswordResetCompleted', { revokedSessions: countOf(data.revokedSessions) })];
    case 'PasswordChanged':
      return [about('PasswordChanged', { revokedSessions: countOf(data.revokedSessions) })];
    case 'UserAccountLocked':
      return [
        about('UserAccountLocked', {
          consecutiveFailures: data.consecutiveFailures,
          lockedForSeconds: data.lockedForSeconds,
        }),
        about('SuspiciousActivityDetected', { kind: 'account_locked' }),
      ];
    case 'SuspiciousActivityDetected':
      return [about('SuspiciousActivityDetected', { kind: 'login_attempt_while_locked' })];
    case 'UserDeleted':
    case 'UserProfileUpdated':
    case 'UserRoleChanged':
    case 'OrganizationCreated':
    case 'OrganizationDeleted':
    case 'MemberAdded':
    case 'MemberRoleChanged':
    case 'MemberRemoved':
      // user-profile's changes, recorded here by the monolith: published as user-profile says.
      return publishedProfileEvents({ type: event.type, userId, data }).map((published) => ({
        ...published,
        subject: userId,
      }));
    // Audit-only: bookkeeping, operator actions, and what would reveal an address's account.
    case 'AuditEventsPurged':
    case 'PasswordResetLinksVoided':
    case 'EmailVerificationSent':
    case 'EmailVerificationCodeRefused':
    case 'RegistrationAttemptForExistingAccount':
    case 'OrganizationSwitched':
      return [];
  }
}

/** The outbox entries of an audit event, each with its own id (`nextId`, UUIDv7). */
export function publishedEventsOf(event: AuthEvent, occurredAt: Date, nextId: () => string): OutgoingEvent[] {
  return publishedAs(event).map(({ name, subject, data }) =>
    outgoingEvent({
      name,
      subject,
      data,
      id: nextId(),
      occurredAt,
      requestId: event.meta.requestId,
      orderingKey: name === 'SigningKeyChanged' ? SIGNING_KEYS_ORDERING_KEY : subject,
    }),
  );
}
