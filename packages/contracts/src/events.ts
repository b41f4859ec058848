/**
 * Latchkey's domain events as a public contract: one CloudEvents 1.0 envelope (structured JSON
 * mode) and, per event type, a JSON Schema for its `data`. A type's name ends in its version:
 * a `v1` payload never changes shape; a change that is not purely additive-optional becomes `v2`,
 * published beside `v1` for a deprecation period. No event carries a secret (token, hash, code,
 * password); the email address only in `UserRegistered`, whose consumers build a profile from it.
 */

/** The envelope every event travels in (CloudEvents 1.0, structured content mode). */
export interface LatchkeyEvent<Data = Record<string, unknown>> {
  specversion: '1.0';
  /** UUIDv7: unique per event, and what consumers deduplicate on. */
  id: string;
  /** The module that wrote it: `/latchkey/identity` or `/latchkey/user-profile`. */
  source: string;
  /** e.g. `latchkey.identity.user.registered.v1`; also the AMQP routing key. */
  type: string;
  /** The user the event is about (a signing key's id for `SigningKeyChanged`). */
  subject: string;
  /** When the change committed (RFC 3339). */
  time: string;
  datacontenttype: 'application/json';
  /** W3C trace context of the request that caused it (extension `traceparent`), when there was one. */
  traceparent?: string;
  /** The request id (`X-Request-Id`) that caused it (extension `requestid`), when there was one. */
  requestid?: string;
  data: Data;
}

type JsonSchema = Record<string, unknown>;

export const EVENT_SOURCES = {
  identity: '/latchkey/identity',
  userProfile: '/latchkey/user-profile',
} as const;

const uuid: JsonSchema = { type: 'string', format: 'uuid' };
const nullableUuid: JsonSchema = { anyOf: [uuid, { type: 'null' }] };
const count: JsonSchema = { type: 'integer', minimum: 0 };
const role: JsonSchema = { type: 'string', minLength: 1 };

function object(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return {
    type: 'object',
    properties,
    required: Object.keys(properties).filter((key) => !optional.includes(key)),
    // Nothing beyond what is declared: a field added by mistake (a token) fails validation.
    additionalProperties: false,
  };
}

export interface EventDefinition {
  /** The short name used in code, docs and `pnpm events list --type`. */
  name: string;
  type: string;
  source: string;
  description: string;
  data: JsonSchema;
}

function define(
  name: string,
  type: string,
  source: string,
  description: string,
  data: JsonSchema,
): EventDefinition {
  return { name, type: `latchkey.${type}.v1`, source, description, data };
}

const { identity, userProfile } = EVENT_SOURCES;

/** Every event type Latchkey publishes. */
export const EVENT_CATALOG = [
  define(
    'UserRegistered',
    'identity.user.registered',
    identity,
    'An account was created (registration or organization sign-up). Carries the email address and display name: consumers build a profile from it.',
    object({ userId: uuid, email: { type: 'string', format: 'email' }, name: { type: 'string' } }),
  ),
  define(
    'EmailVerified',
    'identity.user.email_verified',
    identity,
    'The user proved the address (by link or code).',
    object({ userId: uuid, method: { enum: ['link', 'code'] } }),
  ),
  define(
    'UserLoggedIn',
    'identity.user.logged_in',
    identity,
    'A session was opened for the user (a password login, or sign-up).',
    object({ userId: uuid, sessionId: uuid, via: { enum: ['password', 'signup'] } }),
  ),
  define(
    'UserLoginFailed',
    'identity.user.login_failed',
    identity,
    'A login to an existing account failed on a wrong password. Failures for unknown addresses stay in the audit trail.',
    object({ userId: uuid }),
  ),
  define(
    'UserLoggedOut',
    'identity.user.logged_out',
    identity,
    'The user logged out of this device, or of every device.',
    object({ userId: uuid, sessionId: uuid, allDevices: { type: 'boolean' }, revokedSessions: count }),
  ),
  define(
    'AuthSessionCreated',
    'identity.session.created',
    identity,
    'A session (a refresh-token family) began; published with UserLoggedIn.',
    object({ userId: uuid, sessionId: uuid, organizationId: nullableUuid }),
  ),
  define(
    'RefreshTokenRotated',
    'identity.refresh_token.rotated',
    identity,
    'A refresh token was exchanged for its successor (`replayedWithinGraceWindow`: the same successor was handed out again to a retry).',
    object({ userId: uuid, sessionId: uuid, replayedWithinGraceWindow: { type: 'boolean' } }),
  ),
  define(
    'RefreshTokenReuseDetected',
    'identity.refresh_token.reuse_detected',
    identity,
    'A rotated-out refresh token was presented after its grace window: the session was revoked.',
    object({ userId: uuid, sessionId: uuid }),
  ),
  define(
    'SessionRevoked',
    'identity.session.revoked',
    identity,
    'A session was revoked by its user, by an operator, or after refresh-token reuse.',
    object({ userId: uuid, sessionId: uuid, reason: { enum: ['user', 'operator', 'refresh_token_reuse'] } }),
  ),
  define(
    'SessionExpired',
    'identity.session.expired',
    identity,
    'A session ran out (idle or absolute lifetime) and was cleaned up.',
    object({ userId: uuid, sessionId: uuid, expiredAt: { type: 'string', format: 'date-time' } }),
  ),
  define(
    'PasswordResetRequested',
    'identity.user.password_reset_requested',
    identity,
    'A reset was requested for an existing account (`emailSent`: false while the account may not receive one).',
    object({ userId: uuid, emailSent: { type: 'boolean' } }),
  ),
  define(
    'PasswordResetCompleted',
    'identity.user.password_reset_completed',
    identity,
    'The password was reset through an emailed link; every session was revoked.',
    object({ userId: uuid, revokedSessions: count }),
  ),
  define(
    'PasswordChanged',
    'identity.user.password_changed',
    identity,
    'The user changed their password; their other sessions were revoked.',
    object({ userId: uuid, revokedSessions: count }),
  ),
  define(
    'UserAccountLocked',
    'identity.user.account_locked',
    identity,
    'Consecutive failed logins locked the account for a while.',
    object({ userId: uuid, consecutiveFailures: count, lockedForSeconds: count }),
  ),
  define(
    'SuspiciousActivityDetected',
    'identity.security.suspicious_activity_detected',
    identity,
    'What the abuse controls saw about an account: a lockout, a login attempt while locked, a refresh-token reuse.',
    object({
      userId: uuid,
      kind: { enum: ['account_locked', 'login_attempt_while_locked', 'refresh_token_reuse'] },
    }),
  ),
  define(
    'UserDeleted',
    'user_profile.user.deleted',
    userProfile,
    'The account was erased: consumers delete what they hold about the user.',
    object({ userId: uuid, actorId: nullableUuid }),
  ),
  define(
    'UserProfileUpdated',
    'user_profile.user.profile_updated',
    userProfile,
    'Fields of the profile changed (their names, not their values).',
    object({ userId: uuid, fields: { type: 'array', items: { type: 'string' } } }),
  ),
  define(
    'UserRoleChanged',
    'user_profile.user.roles_changed',
    userProfile,
    'The user’s global roles changed.',
    object({
      userId: uuid,
      actorId: nullableUuid,
      from: { type: 'array', items: role },
      to: { type: 'array', items: role },
    }),
  ),
  define(
    'OrganizationCreated',
    'user_profile.organization.created',
    userProfile,
    'An organization was created; the subject is its owner.',
    object({ userId: uuid, organizationId: uuid, slug: { type: 'string' } }),
  ),
  define(
    'OrganizationSignupCompleted',
    'identity.organization.signup_completed',
    identity,
    'Sign-up created the account, its organization and owner membership, and a session, in one transaction.',
    object({ userId: uuid, organizationId: uuid, sessionId: uuid }),
  ),
  define(
    'OrganizationDeleted',
    'user_profile.organization.deleted',
    userProfile,
    'An organization was deleted with its last member, or discarded because the sign-up that made it failed (services deployment); the subject is that member.',
    object({ userId: uuid, organizationId: uuid }),
  ),
  define(
    'MembershipChanged',
    'user_profile.organization.membership_changed',
    userProfile,
    'The user joined an organization, changed role in it, or left or was removed.',
    object(
      {
        userId: uuid,
        organizationId: uuid,
        change: { enum: ['added', 'role_changed', 'removed'] },
        role,
        previousRole: role,
        actorId: nullableUuid,
      },
      ['previousRole'],
    ),
  ),
  define(
    'SigningKeyChanged',
    'identity.signing_key.changed',
    identity,
    'A signing key was added, imported, activated, retired, removed or revoked; the subject is its kid. Verifiers refresh their JWKS.',
    object({
      kid: { type: 'string' },
      action: { enum: ['add', 'import', 'activate', 'retire', 'remove', 'revoke'] },
      from: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      to: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    }),
  ),
] as const satisfies readonly EventDefinition[];

export type EventName = (typeof EVENT_CATALOG)[number]['name'];

const byName = new Map<string, EventDefinition>(EVENT_CATALOG.map((event) => [event.name, event]));
const byType = new Map<string, EventDefinition>(EVENT_CATALOG.map((event) => [event.type, event]));

export function eventDefinition(name: EventName): EventDefinition {
  return byName.get(name)!;
}

/** The definition of a type string (`latchkey.….v1`), or undefined for one Latchkey does not publish. */
export function eventDefinitionOfType(type: string): EventDefinition | undefined {
  return byType.get(type);
}

/** The JSON Schema (draft 2020-12) of a whole event of this type: envelope and data. */
export function eventSchema(definition: EventDefinition): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://latchkey.dev/schemas/events/${definition.type}.json`,
    title: definition.name,
    description: definition.description,
    type: 'object',
    properties: {
      specversion: { const: '1.0' },
      id: uuid,
      source: { const: definition.source },
      type: { const: definition.type },
      subject: { type: 'string', minLength: 1 },
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { const: 'application/json' },
      traceparent: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
      requestid: { type: 'string' },
      data: definition.data,
    },
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
    additionalProperties: false,
  };
}
