import type { ApiPath, RequestBody, ResponseBody, Session, TokenResponse, UserPublic } from './api-types.js';
import { LatchkeyError } from './latchkey-error.js';
import { memoryStorage, type RefreshTokenStorage } from './refresh-token-storage.js';
import {
  browserTabEnvironment,
  TabCoordinator,
  type TabEnvironment,
  type TabMessage,
} from './tab-coordinator.js';

export interface LatchkeyClientOptions {
  /** Where the API is served, e.g. `https://auth.example.com`. */
  baseUrl: string;
  /**
   * `cookie` (web): the refresh token lives only in the API's httpOnly cookie, out of reach of
   * the page's scripts; the API must list the app's origin in CORS_ORIGINS. `body` (mobile, Node):
   * the refresh token is returned in the body and kept in `storage`.
   */
  transport: 'cookie' | 'body';
  /** Body mode: where the refresh token is kept (default: memory only). */
  storage?: RefreshTokenStorage;
  /** Sent at login, shown in the session list. */
  deviceId?: string;
  /** Refresh shortly before the access token expires rather than on the next call (default true). */
  refreshAhead?: boolean;
  /** Tests: another fetch, clock, or tab environment. */
  fetch?: typeof fetch;
  now?: () => number;
  tabs?: TabEnvironment;
}

/** Why the client no longer has a session. */
export type SignOutReason = 'logout' | 'refresh-refused' | 'other-tab';

export type SessionEvent =
  | { type: 'signed-in' }
  | { type: 'refreshed'; expiresAt: number }
  | { type: 'signed-out'; reason: SignOutReason };

/**
 * An access token this close to expiry (5 s, or a fifth of a shorter life) is refreshed before
 * use rather than sent: it could expire on the way.
 */
const EXPIRY_MARGIN_MS = 5_000;
/**
 * A refresh whose response is lost (the server may have rotated) is sent again with the same
 * token: within the server's reuse grace window (REFRESH_REUSE_GRACE_SECONDS, 10 by default) it
 * returns the same successor. These delays keep every retry well inside that window.
 */
const LOST_RESPONSE_RETRY_DELAYS_MS = [200, 800, 2_000];

interface AccessToken {
  token: string;
  expiresAt: number;
  /** From then on it is refreshed before use. */
  staleAt: number;
}

/** A client whose refresh is single-flight in the tab and coordinated across tabs (cookie mode). */
export function createLatchkeyClient(options: LatchkeyClientOptions): LatchkeyClient {
  return new LatchkeyClient(options);
}

export class LatchkeyClient {
  private readonly baseUrl: string;
  private readonly storage: RefreshTokenStorage;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly tabs: TabCoordinator | undefined;
  private access: AccessToken | undefined;
  private refreshing: Promise<string> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(event: SessionEvent) => void>();

  constructor(private readonly options: LatchkeyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.storage = options.storage ?? memoryStorage();
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
    // Tabs share a session only through the cookie: in body mode each client has its own token.
    this.tabs =
      options.transport === 'cookie'
        ? new TabCoordinator(`latchkey:${this.baseUrl}`, options.tabs ?? browserTabEnvironment(), (message) =>
            this.fromOtherTab(message),
          )
        : undefined;
  }

  /**
   * Creates an account (it does not log in: verification and login follow). Undefined when the
   * server answers uniformly (REGISTER_UNIFORM_RESPONSE: 202, whether or not the address was free).
   */
  async register(body: RequestBody<'/v1/auth/register', 'post'>): Promise<UserPublic | undefined> {
    const response = await this.send('/v1/auth/register', { method: 'POST', body });
    if (response.status === 202) return void (await response.body?.cancel());
    return this.json<ResponseBody<'/v1/auth/register', 'post', 201>>(response);
  }

  async login(body: RequestBody<'/v1/auth/login', 'post'>): Promise<void> {
    const response = await this.send('/v1/auth/login', {
      method: 'POST',
      body: { ...body, deviceId: body.deviceId ?? this.options.deviceId },
      session: true,
    });
    await this.adopt(await this.json<TokenResponse>(response));
    this.emit({ type: 'signed-in' });
  }

  /**
   * Ends this session (or, with `allDevices`, every session of the user) and signs every tab of
   * this origin out. Local state is cleared even if the server cannot be reached.
   */
  async logout(options: { allDevices?: boolean } = {}): Promise<void> {
    const refreshToken = this.options.transport === 'body' ? await this.storage.get() : undefined;
    const bearer = this.access?.token;
    try {
      const response = await this.send('/v1/auth/logout', {
        method: 'POST',
        body: { allDevices: options.allDevices ?? false, ...(refreshToken ? { refreshToken } : {}) },
        session: true,
        bearer,
      });
      if (!response.ok && response.status !== 401) throw await LatchkeyError.fromResponse(response);
    } finally {
      await this.signOut('logout');
    }
  }

  async me(): Promise<UserPublic> {
    return this.json<ResponseBody<'/v1/auth/me', 'get', 200>>(await this.fetch('/v1/auth/me'));
  }

  async sessions(): Promise<Session[]> {
    const list = await this.json<ResponseBody<'/v1/auth/sessions', 'get', 200>>(
      await this.fetch('/v1/auth/sessions'),
    );
    return list.items;
  }

  /** Signs one session out (e.g. a lost phone's); the current one is what `logout` is for. */
  async revokeSession(id: string): Promise<void> {
    await this.expectNoContent(
      await this.fetch(`/v1/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    );
  }

  async requestPasswordReset(body: RequestBody<'/v1/auth/password-reset/request', 'post'>): Promise<void> {
    await this.expectNoContent(await this.send('/v1/auth/password-reset/request', { method: 'POST', body }));
  }

  async confirmPasswordReset(body: RequestBody<'/v1/auth/password-reset/confirm', 'post'>): Promise<void> {
    await this.expectNoContent(await this.send('/v1/auth/password-reset/confirm', { method: 'POST', body }));
  }

  /** Signed in: a new email for the current user; otherwise for `email`. */
  async requestVerification(body: RequestBody<'/v1/auth/verify/request', 'post'> = {}): Promise<void> {
    const response = this.access
      ? await this.fetch('/v1/auth/verify/request', jsonInit('POST', body))
      : await this.send('/v1/auth/verify/request', { method: 'POST', body });
    await this.expectNoContent(response);
  }

  async confirmVerification(body: RequestBody<'/v1/auth/verify/confirm', 'post'>): Promise<void> {
    await this.expectNoContent(await this.send('/v1/auth/verify/confirm', { method: 'POST', body }));
  }

  async changePassword(body: RequestBody<'/v1/auth/password/change', 'post'>): Promise<void> {
    await this.expectNoContent(await this.fetch('/v1/auth/password/change', jsonInit('POST', body)));
  }

  /**
   * `fetch` with the access token: refreshed first when it is about to expire, and on a 401 once
   * (refresh, then the same request again), never in a loop. A path (`/v1/users`) is resolved
   * against the base URL. The request is sent twice at most, so its body must be replayable (a
   * string, Blob, FormData, URLSearchParams or buffer, not a stream).
   */
  async fetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = typeof input === 'string' && input.startsWith('/') ? `${this.baseUrl}${input}` : input;
    const token = await this.accessToken();
    const response = await this.withBearer(url, init, token);
    if (response.status !== 401) return response;
    await response.body?.cancel();
    return this.withBearer(url, init, await this.refreshAfterRefusal(token));
  }

  /** A valid access token, refreshed if needed: for code that calls other APIs with it. */
  async accessToken(): Promise<string> {
    const current = this.access;
    if (current && this.now() < current.staleAt) return current.token;
    return this.refresh();
  }

  /** When the access token this client holds expires (epoch ms), if it holds one. */
  get expiresAt(): number | undefined {
    return this.access?.expiresAt;
  }

  /** Whether this client holds an access token (cookie mode: a reload starts without one). */
  get signedIn(): boolean {
    return this.access !== undefined;
  }

  /** Rotates the refresh token now; concurrent calls share one rotation. */
  refresh(): Promise<string> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  onSessionChange(listener: (event: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops the scheduled refresh and leaves the tabs' channel. */
  close(): void {
    clearTimeout(this.refreshTimer);
    this.tabs?.close();
  }

  /** A 401 for `refused`: refresh, unless another call (or tab) already has. */
  private async refreshAfterRefusal(refused: string): Promise<string> {
    const current = this.access;
    if (current && current.token !== refused && this.now() < current.staleAt) return current.token;
    return this.refresh(); // joins a rotation already under way
  }

  private async refreshOnce(): Promise<string> {
    const before = this.access;
    // Another tab may have refreshed while this one waited for it.
    const refreshedElsewhere = () => {
      const current = this.access;
      return current !== undefined && current !== before && this.now() < current.staleAt;
    };
    const rotate = async () => (refreshedElsewhere() ? this.access!.token : this.rotate());
    return this.tabs ? this.tabs.exclusive(rotate, refreshedElsewhere) : rotate();
  }

  private async rotate(): Promise<string> {
    const refreshToken = this.options.transport === 'body' ? await this.storage.get() : undefined;
    if (this.options.transport === 'body' && !refreshToken) throw LatchkeyError.signedOut();
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.send('/v1/auth/refresh', {
          method: 'POST',
          body: refreshToken ? { refreshToken } : undefined,
          session: true,
        });
      } catch (error) {
        const delay = LOST_RESPONSE_RETRY_DELAYS_MS[attempt];
        if (delay === undefined) throw error;
        await sleep(delay);
        continue;
      }
      if (response.ok) {
        const tokens = await this.json<TokenResponse>(response);
        await this.adopt(tokens);
        this.emit({ type: 'refreshed', expiresAt: this.access!.expiresAt });
        return tokens.accessToken;
      }
      const error = await LatchkeyError.fromResponse(response);
      // Expired, revoked or reused: the session is over, in every tab.
      if (response.status === 401) await this.signOut('refresh-refused');
      throw error;
    }
  }

  private async adopt(tokens: TokenResponse): Promise<void> {
    if (this.options.transport === 'body') {
      if (!tokens.refreshToken) throw new TypeError('body mode: the server returned no refresh token');
      await this.storage.set(tokens.refreshToken);
    }
    const lifetime = tokens.expiresIn * 1000;
    const expiresAt = this.now() + lifetime;
    this.access = {
      token: tokens.accessToken,
      expiresAt,
      staleAt: expiresAt - Math.min(EXPIRY_MARGIN_MS, lifetime / 5),
    };
    this.tabs?.publish({ type: 'tokens', ...this.access });
    this.scheduleRefresh();
  }

  private async signOut(reason: SignOutReason): Promise<void> {
    const wasSignedIn = this.access !== undefined;
    this.access = undefined;
    clearTimeout(this.refreshTimer);
    if (this.options.transport === 'body') await this.storage.clear();
    if (reason !== 'other-tab') this.tabs?.publish({ type: 'signed-out' });
    if (wasSignedIn || reason !== 'other-tab') this.emit({ type: 'signed-out', reason });
  }

  private fromOtherTab(message: TabMessage): void {
    if (message.type === 'tokens') {
      const current = this.access;
      // Messages may cross: never trade a token for an older one.
      if (current && current.expiresAt >= message.expiresAt) return;
      this.access = { token: message.token, expiresAt: message.expiresAt, staleAt: message.staleAt };
      this.scheduleRefresh();
      this.emit(current ? { type: 'refreshed', expiresAt: message.expiresAt } : { type: 'signed-in' });
    } else if (message.type === 'signed-out') void this.signOut('other-tab');
  }

  /**
   * The next refresh: at a random point of the last tenth before the token turns stale (jittered,
   * so tabs and devices do not all refresh at one moment).
   */
  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    if (this.options.refreshAhead === false || !this.access) return;
    const untilStale = this.access.staleAt - this.now();
    const delay = Math.max(0, untilStale * (0.9 + Math.random() * 0.1));
    this.refreshTimer = setTimeout(() => {
      // A failed refresh ahead of time is retried by the next call; a refused one signed out already.
      this.refresh().catch(() => undefined);
    }, delay);
    // A Node tool must be able to exit while signed in.
    (this.refreshTimer as { unref?: () => void }).unref?.();
  }

  private emit(event: SessionEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** A request of the auth API itself; `session`: it carries the refresh cookie (cookie mode). */
  private send(
    path: ApiPath,
    request: { method: string; body?: unknown; session?: boolean; bearer?: string },
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.session && this.options.transport === 'cookie') headers['x-token-transport'] = 'cookie';
    if (request.bearer) headers.authorization = `Bearer ${request.bearer}`;
    return this.fetchImpl(`${this.baseUrl}${path}`, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      // The refresh cookie is scoped to the API's origin: a cross-origin app must ask for it.
      credentials: request.session && this.options.transport === 'cookie' ? 'include' : 'same-origin',
    }).catch((error: unknown) => {
      throw LatchkeyError.network(error);
    });
  }

  private withBearer(url: string | URL, init: RequestInit, token: string): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return this.fetchImpl(url, { ...init, headers }).catch((error: unknown) => {
      throw LatchkeyError.network(error);
    });
  }

  private async json<T>(response: Response): Promise<T> {
    if (!response.ok) throw await LatchkeyError.fromResponse(response);
    return (await response.json()) as T;
  }

  private async expectNoContent(response: Response): Promise<void> {
    if (!response.ok) throw await LatchkeyError.fromResponse(response);
    await response.body?.cancel();
  }
}

function jsonInit(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
