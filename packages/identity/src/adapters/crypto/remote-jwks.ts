import CachePolicy from 'http-cache-semantics';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { Clock, ServiceUnavailable } from '@latchkey/shared-kernel';

export interface RemoteJwksOptions {
  /** Where the signing keys are published: the auth service's `/jwks`. */
  url: string;
  /**
   * How long a fetched set is used is what its `Cache-Control` (or `Expires`) says, within these
   * bounds. The upper bound is how long an emergency key revoke may take to reach this verifier.
   */
  minTtlSeconds: number;
  maxTtlSeconds: number;
  /**
   * A token signed by a kid the set does not hold (a key added since) makes a refetch, at most once
   * per this many seconds: a flood of tokens with random kids costs the publisher one request per
   * interval. A failed fetch is not retried sooner either.
   */
  refetchIntervalSeconds: number;
  /** Per fetch; a slow publisher must not hold every request that needs a key. */
  timeoutMs: number;
}

/**
 * No usable key set: the publisher could not be reached and nothing fresh is held. A 503 to the
 * client, whose message names nothing internal; `reason` is for the logs.
 */
export class JwksUnavailable extends ServiceUnavailable {
  constructor(
    readonly reason: string,
    retryAfterSeconds: number,
  ) {
    super('Access tokens cannot be checked at the moment; retry shortly', { retryAfterSeconds });
  }
}

interface HeldSet {
  resolve: JWTVerifyGetKey;
  kids: ReadonlySet<string>;
  freshUntilMs: number;
}

type Fetch = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

/**
 * A verifier's copy of a remote JWKS (the gateway's of the auth service's keys). One fetch at a
 * time, whatever the number of requests waiting for it; the set is used as long as the
 * publisher's caching headers allow (clamped), and a kid it does not hold triggers a refetch at
 * most once per interval. A set past its freshness is never used, even when the publisher cannot
 * be reached: the time to honour a revoked key stays bounded by `maxTtlSeconds`.
 */
export class RemoteJwks {
  private held?: HeldSet;
  private inFlight?: Promise<void>;
  /** When a kid the held set lacks may make the next refetch. */
  private nextUnknownKidFetchMs = -Infinity;
  /** After a failed fetch, when the next may be tried. */
  private retryAfterMs = -Infinity;

  constructor(
    private readonly options: RemoteJwksOptions,
    private readonly clock: Clock,
    private readonly fetchJwks: Fetch = (url, init) => fetch(url, init),
  ) {}

  /**
   * jose's key resolver (`jwtVerify(token, jwks.getKey, …)`): the key for a token's header, or
   * jose's JWKSNoMatchingKey when neither the held set nor a refetch allowed now has it.
   */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.clock.now().getTime();
    if (this.held === undefined || now >= this.held.freshUntilMs) {
      await this.refresh(now);
    } else if (
      header.kid !== undefined &&
      !this.held.kids.has(header.kid) &&
      now >= this.nextUnknownKidFetchMs
    ) {
      this.nextUnknownKidFetchMs = now + this.options.refetchIntervalSeconds * 1000;
      await this.refresh(now).catch(() => undefined); // the held set still answers; it has no such kid
    }
    const held = this.held;
    if (held === undefined || this.clock.now().getTime() >= held.freshUntilMs) {
      throw new JwksUnavailable('no fresh key set is held', this.options.refetchIntervalSeconds);
    }
    return held.resolve(header, token);
  };

  /** Fetch now, one fetch at a time, unless one failed less than an interval ago. */
  private refresh(now: number): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (now < this.retryAfterMs) return Promise.resolve();
    this.inFlight = this.load()
      .catch((error: unknown) => {
        this.retryAfterMs = this.clock.now().getTime() + this.options.refetchIntervalSeconds * 1000;
        throw error;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async load(): Promise<void> {
    let response: Response;
    try {
      response = await this.fetchJwks(this.options.url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new JwksUnavailable(
        error instanceof Error ? error.message : String(error),
        this.options.refetchIntervalSeconds,
      );
    }
    if (!response.ok)
      throw new JwksUnavailable(
        `${this.options.url} answered ${response.status}`,
        this.options.refetchIntervalSeconds,
      );
    const body = (await response.json().catch(() => undefined)) as JSONWebKeySet | undefined;
    let resolve: JWTVerifyGetKey;
    try {
      resolve = createLocalJWKSet(body as JSONWebKeySet);
    } catch {
      // A malformed set is the publisher's fault, not the token's: no key set, not a refusal.
      throw new JwksUnavailable(
        `${this.options.url} sent no valid key set`,
        this.options.refetchIntervalSeconds,
      );
    }
    const policy = new CachePolicy(
      { url: this.options.url, method: 'GET', headers: { accept: 'application/json' } },
      { status: response.status, headers: Object.fromEntries(response.headers) },
    );
    const ttlSeconds = Math.min(
      this.options.maxTtlSeconds,
      Math.max(this.options.minTtlSeconds, policy.storable() ? policy.timeToLive() / 1000 : 0),
    );
    this.held = {
      resolve,
      kids: new Set(body!.keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : []))),
      freshUntilMs: this.clock.now().getTime() + ttlSeconds * 1000,
    };
  }
}
