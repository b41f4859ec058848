/** Who is calling, as established from a valid access token of a live session. */
export interface Principal {
  userId: string;
  sessionId: string;
  /** The token's `roles` claim: what was true at issue. Authorization reads current roles instead. */
  roles: string[];
  /** The token's `permissions` claim: what the bearer may do, as the routes require it. */
  permissions: string[];
}

/**
 * Turns a bearer token into a principal, or throws InvalidAccessToken. Implemented by the identity
 * module; every module's HTTP adapters authenticate through it.
 */
export abstract class AccessTokenAuthenticator {
  abstract authenticate(token: string): Promise<Principal>;
}

/** Who is asking, as recorded in sessions and the audit trail. Transport-neutral. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}
