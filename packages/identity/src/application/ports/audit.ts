import type { RequestMeta } from '@latchkey/shared-kernel';
import type { ProfileEventType } from '@latchkey/user-profile';

export type AuthEventType =
  | 'UserRegistered'
  | 'UserLoggedIn'
  | 'UserLoginFailed'
  | 'RefreshTokenRotated'
  | 'RefreshTokenReuseDetected'
  | 'UserLoggedOut'
  | 'SessionRevoked'
  | 'SessionExpired'
  | 'SigningKeyChanged'
  | 'AuditEventsPurged'
  | 'UserAccountLocked'
  | 'SuspiciousActivityDetected'
  | 'PasswordResetRequested'
  | 'PasswordResetCompleted'
  | 'PasswordResetLinksVoided'
  | 'PasswordChanged'
  | 'EmailVerificationSent'
  | 'EmailVerified'
  | 'EmailVerificationCodeRefused'
  | 'RegistrationAttemptForExistingAccount'
  | 'OrganizationSwitched'
  // user-profile's events: this audit trail records them for it (IdentityProfileAuditTrail).
  | ProfileEventType;

export interface AuthEvent {
  type: AuthEventType;
  userId: string | null;
  sessionId: string | null;
  meta: RequestMeta;
  data?: Record<string, unknown>;
}

/** An event recorded by another service, as it was recorded there. */
export interface ForwardedAuthEvent extends AuthEvent {
  id: string;
  occurredAt: Date;
}

/** The append-only audit trail, written in the same transaction as the change it records. */
export abstract class AuditLog {
  abstract record(event: AuthEvent): Promise<void>;
  /** Many events at once (the clean-up's SessionExpired), in the current transaction, in order. */
  abstract recordAll(events: AuthEvent[]): Promise<void>;
  /**
   * Events another service recorded in its own transaction (the services deployment's user
   * service: profile and membership changes), each with the id and time it was recorded with:
   * written once however often they are delivered, and not published (their service publishes
   * them).
   */
  abstract recordForwarded(events: ForwardedAuthEvent[]): Promise<void>;
  /**
   * Erasure: the user's events keep their type, time and user id; ip, user agent and data go, and
   * so do their published events (nothing replays their email or name).
   */
  abstract redactUser(userId: string): Promise<void>;
  /**
   * A redaction after the erasure (a forwarded UserDeleted): records that arrived since lose their
   * ip, user agent and data too, except the erasure's own (events of the `erasureTypes` recorded
   * without an ip, which a service that delivers its records later sends after the erasure). The
   * published events, forgotten by the erasure, are left alone: newer ones are not this trail's.
   */
  abstract redactLateRecords(userId: string, erasureTypes: readonly string[]): Promise<void>;
  /** Retention: deletes up to `limit` of the oldest events that occurred before `cutoff`. */
  abstract purgeBefore(cutoff: Date, limit: number): Promise<number>;
  abstract countBefore(cutoff: Date): Promise<number>;
  /**
   * For an operator's investigation: the newest events since `since` of the account `userId`,
   * or naming `email` (failed logins and reset requests for an address, known or not).
   */
  abstract find(query: AuditQuery): Promise<RecordedAuthEvent[]>;
}

export interface AuditQuery {
  userId: string | null;
  email: string;
  since: Date;
  types: readonly string[];
  limit: number;
}

export interface RecordedAuthEvent {
  type: string;
  occurredAt: Date;
  userId: string | null;
  sessionId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
}
