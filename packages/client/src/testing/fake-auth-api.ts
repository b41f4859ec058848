import type { LockManagerLike } from '../tab-coordinator.js';

/**
 * An in-memory stand-in for Latchkey's token endpoints, for the client's unit tests: rotation on
 * every refresh, the reuse grace window (the last rotated token again within `graceMs` gets the
 * same successor), reuse detection (any other replay revokes the session), access tokens that
 * expire and die with their session, and the refresh cookie of one browser shared by its tabs.
 * The real server's behaviour is proven against the real server (tests/e2e/client-sdk.test.ts).
 */
interface RefreshToken {
  sessionId: number;
  successor?: string;
  rotatedAt?: number;
}

export class FakeAuthApi {
  now = 1_000_000;
  ttlMs = 10_000;
  graceMs = 10_000;
  /** Counters the tests assert on. */
  rotations = 0;
  reuseDetections = 0;
  refreshCalls = 0;
  /** The next refresh is done on the server, but its response never reaches the client. */
  loseNextRefreshResponse = false;

  private readonly refreshTokens = new Map<string, RefreshToken>();
  private readonly accessTokens = new Map<string, { sessionId: number; expiresAt: number }>();
  private readonly revoked = new Set<number>();
  private sessions = 0;
  private serial = 0;

  /** A browser: its cookie jar is shared by every tab (client) made with its fetch. */
  browser(): typeof fetch {
    const jar: { refresh?: string } = {};
    return (input, init) => this.handle(String(input), init ?? {}, jar);
  }

  /** A device in body mode: no cookies. */
  device(): typeof fetch {
    return (input, init) => this.handle(String(input), init ?? {}, undefined);
  }

  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.expiresAt = this.now;
  }

  private async handle(
    url: string,
    init: RequestInit,
    jar: { refresh?: string } | undefined,
  ): Promise<Response> {
    await Promise.resolve(); // as a network would, answer later
    const path = new URL(url).pathname;
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as Record<string, unknown>) : {};
    const cookieMode = headers.get('x-token-transport') === 'cookie';
    const cookie = cookieMode && init.credentials === 'include' ? jar?.refresh : undefined;
    switch (`${init.method ?? 'GET'} ${path}`) {
      case 'POST /v1/auth/login':
        return this.tokens(++this.sessions, cookieMode ? jar : undefined);
      case 'POST /v1/auth/refresh': {
        this.refreshCalls++;
        const presented = (body.refreshToken as string | undefined) ?? cookie;
        const result = this.refresh(presented, cookieMode ? jar : undefined);
        if (this.loseNextRefreshResponse) {
          this.loseNextRefreshResponse = false;
          throw new TypeError('fetch failed');
        }
        return result;
      }
      case 'POST /v1/auth/logout': {
        const presented = (body.refreshToken as string | undefined) ?? cookie;
        const session = presented ? this.refreshTokens.get(presented)?.sessionId : undefined;
        if (session !== undefined) this.revoked.add(session);
        if (jar) delete jar.refresh;
        return new Response(null, { status: 204 });
      }
      case 'GET /v1/auth/me': {
        const bearer = headers.get('authorization')?.replace(/^Bearer /, '');
        const access = bearer ? this.accessTokens.get(bearer) : undefined;
        if (!access || access.expiresAt <= this.now || this.revoked.has(access.sessionId))
          return this.error(401, 'UNAUTHORIZED');
        return Response.json({ id: `user-${access.sessionId}` });
      }
      default:
        return this.error(404, 'NOT_FOUND');
    }
  }

  private refresh(presented: string | undefined, jar: { refresh?: string } | undefined): Response {
    const token = presented ? this.refreshTokens.get(presented) : undefined;
    if (!token || this.revoked.has(token.sessionId)) return this.error(401, 'UNAUTHORIZED');
    if (token.successor === undefined) {
      token.successor = `refresh-${++this.serial}`;
      token.rotatedAt = this.now;
      this.refreshTokens.set(token.successor, { sessionId: token.sessionId });
      this.rotations++;
      return this.tokens(token.sessionId, jar, token.successor);
    }
    const successor = this.refreshTokens.get(token.successor)!;
    if (successor.successor === undefined && this.now - token.rotatedAt! <= this.graceMs)
      return this.tokens(token.sessionId, jar, token.successor);
    this.reuseDetections++;
    this.revoked.add(token.sessionId);
    return this.error(401, 'UNAUTHORIZED');
  }

  private tokens(sessionId: number, jar: { refresh?: string } | undefined, refresh?: string): Response {
    const refreshToken = refresh ?? `refresh-${++this.serial}`;
    if (!refresh) this.refreshTokens.set(refreshToken, { sessionId });
    const accessToken = `access-${++this.serial}`;
    this.accessTokens.set(accessToken, { sessionId, expiresAt: this.now + this.ttlMs });
    if (jar) jar.refresh = refreshToken;
    return Response.json({
      accessToken,
      ...(jar ? {} : { refreshToken }),
      expiresIn: this.ttlMs / 1000,
      tokenType: 'Bearer',
    });
  }

  private error(status: number, code: string): Response {
    return Response.json(
      { message: code, code, traceId: `trace-${++this.serial}` },
      { status, headers: { 'x-request-id': `trace-${this.serial}` } },
    );
  }
}

/** Web Locks for the tabs of one test: one holder per name at a time, in request order. */
export function fakeLocks(): LockManagerLike {
  const held = new Set<string>();
  const queues = new Map<string, (() => void)[]>();
  const release = (name: string) => {
    const next = queues.get(name)?.shift();
    if (next) next();
    else held.delete(name);
  };
  return {
    async request<T>(
      name: string,
      options: { ifAvailable?: boolean },
      callback: (lock: unknown) => Promise<T>,
    ) {
      if (held.has(name)) {
        if (options.ifAvailable) return callback(null);
        await new Promise<void>((resolve) => queues.set(name, [...(queues.get(name) ?? []), resolve]));
      } else held.add(name);
      try {
        return await callback({ name });
      } finally {
        release(name);
      }
    },
  };
}
