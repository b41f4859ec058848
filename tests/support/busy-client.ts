import request from 'supertest';
import { claimsOf, headerOf, type Tokens } from './auth';
import type { TestApp } from './test-app';

/**
 * A client that keeps working through a rotation: refresh, then call /auth/me and its own
 * /users/{id} with the new access token. Anything but 200 is an unexpected failure: rotation must
 * log nobody out.
 */
export class BusyClient {
  readonly failures: string[] = [];
  readonly kids = new Set<string>();
  calls = 0;
  private tokens: Tokens;

  constructor(
    private readonly app: TestApp,
    tokens: Tokens,
  ) {
    this.tokens = tokens;
  }

  async exercise(rounds = 3): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const refreshed = await request(this.app.server)
        .post('/auth/refresh')
        .send({ refreshToken: this.tokens.refreshToken });
      this.calls++;
      if (refreshed.status !== 200) {
        this.failures.push(`refresh → ${refreshed.status} ${refreshed.text}`);
        return;
      }
      this.tokens = refreshed.body as Tokens;
      this.kids.add(headerOf(this.tokens.accessToken).kid as string);
      const current = await request(this.app.server)
        .get('/auth/me')
        .set('authorization', `Bearer ${this.tokens.accessToken}`);
      this.calls++;
      if (current.status !== 200) this.failures.push(`me → ${current.status} ${current.text}`);
      // A route whose bearer token the services deployment's gateway checks itself, with its own
      // copy of the key set: a rotation must not fail there either.
      const own = await request(this.app.server)
        .get(`/users/${claimsOf(this.tokens.accessToken).sub as string}`)
        .set('authorization', `Bearer ${this.tokens.accessToken}`);
      this.calls++;
      if (own.status !== 200) this.failures.push(`users/{id} → ${own.status} ${own.text}`);
    }
  }

  /** Time passes in steps, the client working after each one, so its own tokens stay fresh. */
  async live(seconds: number, step = 60): Promise<void> {
    for (let elapsed = 0; elapsed < seconds; elapsed += step) {
      this.app.clock.advanceSeconds(Math.min(step, seconds - elapsed));
      await this.exercise(1);
    }
  }
}

export async function publishedKids(app: TestApp): Promise<string[]> {
  const response = await app.api.get('/jwks').expect(200);
  return (response.body.keys as { kid: string }[]).map((key) => key.kid).sort();
}

/** Key changes made by the CLI reach the server through NOTIFY: wait for it, and say how long it took. */
export async function untilPublished(app: TestApp, predicate: (kids: string[]) => boolean): Promise<number> {
  const started = Date.now();
  while (!predicate(await publishedKids(app))) {
    if (Date.now() - started > 5_000) throw new Error('the server never saw the key change');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}
