/** Who is calling, as established from a valid access token of a live session. */
export interface Principal {
  userId: string;
  sessionId: string;
  /** The token's `roles` claim: what was true at issue. Authorization reads current roles instead. */
  roles: string[];
  /** The token's `permissions` claim: what the bearer may do, as the routes require it. */
  permissions: string[];
}
