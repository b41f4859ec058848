export interface AccessTokenClaims {
  sub: string;
  sid: string;
  roles: string[];
  /** The `permissions` claim (packages/contracts, permissions.ts). */
  permissions: string[];
  jti: string;
  iat: number;
  exp: number;
}

export abstract class AccessTokenIssuer {
  /**
   * `permissions`: what the roles grant, as the `permissions` claim. `organization`: the active
   * one, as the `org_id`, `org_roles` and `org_permissions` claims.
   */
  abstract issue(input: {
    userId: string;
    sessionId: string;
    roles: string[];
    permissions: string[];
    organization?: { id: string; roles: string[]; permissions: string[] };
  }): Promise<{
    token: string;
    expiresIn: number;
  }>;
}

export abstract class AccessTokenVerifier {
  /** Throws InvalidAccessToken for anything but a valid token signed by one of our keys. */
  abstract verify(token: string): Promise<AccessTokenClaims>;
}

/**
 * Opaque refresh tokens: random values, stored only as keyed hashes. A successor can be sealed
 * under a key derived from its predecessor's value, which the server never stores, and a server
 * secret: only whoever presents the predecessor again can have the successor back (the grace
 * window), and nothing the database holds opens a seal.
 */
export abstract class RefreshTokenCodec {
  abstract generate(): string;
  abstract hash(token: string): string;
  abstract seal(successor: string, presented: string): string;
  /** The sealed successor, or undefined when `presented` (with this server's secret) cannot open it. */
  abstract unseal(sealed: string, presented: string): string | undefined;
}

export abstract class IdGenerator {
  abstract next(): string;
}
