import { errors, exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from 'jose';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { JwksUnavailable, RemoteJwks, type RemoteJwksOptions } from './remote-jwks';

const URL = 'http://auth.internal/jwks';
const OPTIONS: RemoteJwksOptions = {
  url: URL,
  minTtlSeconds: 30,
  maxTtlSeconds: 600,
  refetchIntervalSeconds: 10,
  timeoutMs: 1_000,
};

interface SigningKeyPair {
  kid: string;
  jwk: JWK;
  sign: () => Promise<string>;
}

async function signingKey(kid: string): Promise<SigningKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return {
    kid,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    sign: () => new SignJWT({ sub: 'u1' }).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey),
  };
}

/** The auth service's /jwks, as the gateway sees it over the network. */
class Publisher {
  keys: JWK[] = [];
  cacheControl = 'public, max-age=300';
  age?: string;
  down = false;
  fetches = 0;
  /** Holds every answer until released: requests that arrive meanwhile must share one fetch. */
  gate?: Promise<void>;

  readonly fetch = async (url: string): Promise<Response> => {
    expect(url).toBe(URL);
    this.fetches += 1;
    await this.gate;
    if (this.down) throw new TypeError('fetch failed: connect ECONNREFUSED');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'cache-control': this.cacheControl,
      date: new Date().toUTCString(),
    };
    if (this.age) headers.age = this.age;
    return new Response(JSON.stringify({ keys: this.keys }), { status: 200, headers });
  };
}

describe('RemoteJwks: the gateway’s copy of the auth service’s signing keys', () => {
  let clock: TestClock;
  let publisher: Publisher;
  let jwks: RemoteJwks;
  let first: SigningKeyPair;

  beforeAll(async () => {
    first = await signingKey('k1');
  });

  beforeEach(() => {
    clock = new TestClock(new Date('2026-12-03T12:00:00Z'));
    publisher = new Publisher();
    publisher.keys = [first.jwk];
    jwks = new RemoteJwks(OPTIONS, clock, publisher.fetch);
  });

  const verify = async (token: string) => (await jwtVerify(token, jwks.getKey)).payload.sub;

  it('uses a fetched set for as long as its Cache-Control says, then fetches again', async () => {
    const token = await first.sign();
    expect(await verify(token)).toBe('u1');
    clock.advanceSeconds(299);
    expect(await verify(token)).toBe('u1');
    expect(publisher.fetches).toBe(1);
    clock.advanceSeconds(1);
    expect(await verify(token)).toBe('u1');
    expect(publisher.fetches).toBe(2);
  });

  it('counts the Age a cache in between reports, and keeps within its bounds', async () => {
    publisher.age = '280';
    await verify(await first.sign());
    clock.advanceSeconds(25);
    await verify(await first.sign());
    expect(publisher.fetches).toBe(1);
    clock.advanceSeconds(5); // 20 s of freshness were left, but never less than 30
    await verify(await first.sign());
    expect(publisher.fetches).toBe(2);

    publisher.age = undefined;
    publisher.cacheControl = 'public, max-age=86400';
    clock.advanceSeconds(31);
    await verify(await first.sign());
    clock.advanceSeconds(600); // an emergency revoke must arrive within maxTtlSeconds
    await verify(await first.sign());
    expect(publisher.fetches).toBe(4);

    publisher.cacheControl = 'no-store';
    clock.advanceSeconds(600);
    await verify(await first.sign());
    clock.advanceSeconds(30);
    await verify(await first.sign());
    expect(publisher.fetches).toBe(6);
  });

  it('fetches once for all the requests that arrive while it fetches', async () => {
    let release!: () => void;
    publisher.gate = new Promise((resolve) => (release = resolve));
    const token = await first.sign();
    const waiting = Array.from({ length: 20 }, () => verify(token));
    release();
    expect(await Promise.all(waiting)).toEqual(Array(20).fill('u1'));
    expect(publisher.fetches).toBe(1);
  });

  it('refetches for a kid it does not hold (a key added since), at most once per interval', async () => {
    await verify(await first.sign());
    const added = await signingKey('k2');
    publisher.keys = [first.jwk, added.jwk];
    expect(await verify(await added.sign())).toBe('u1');
    expect(publisher.fetches).toBe(2);

    // A flood of tokens with kids nobody published: one fetch per interval, each refused as a bad token.
    const { privateKey } = await generateKeyPair('RS256');
    for (let i = 0; i < 50; i++) {
      const stranger = await new SignJWT({ sub: 'x' })
        .setProtectedHeader({ alg: 'RS256', kid: `random-${i}` })
        .sign(privateKey);
      await expect(verify(stranger)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
      if (i === 24) clock.advanceSeconds(10);
    }
    expect(publisher.fetches).toBe(3);
  });

  it('stops accepting a revoked key once the held set expires', async () => {
    const token = await first.sign();
    await verify(token);
    publisher.keys = []; // the operator revoked k1
    clock.advanceSeconds(299);
    expect(await verify(token)).toBe('u1');
    clock.advanceSeconds(1);
    await expect(verify(token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('never uses an expired set when the publisher is down, and retries no sooner than the interval', async () => {
    const token = await first.sign();
    await verify(token);
    publisher.down = true;
    clock.advanceSeconds(200);
    expect(await verify(token)).toBe('u1'); // fresh: no fetch needed
    clock.advanceSeconds(100);
    await expect(verify(token)).rejects.toBeInstanceOf(JwksUnavailable);
    await expect(verify(token)).rejects.toBeInstanceOf(JwksUnavailable);
    expect(publisher.fetches).toBe(2);
    publisher.down = false;
    clock.advanceSeconds(10);
    expect(await verify(token)).toBe('u1');
    expect(publisher.fetches).toBe(3);
  });

  it('reports an unreachable publisher at start-up as unavailable, not as a bad token', async () => {
    publisher.down = true;
    await expect(verify(await first.sign())).rejects.toBeInstanceOf(JwksUnavailable);
  });
});
