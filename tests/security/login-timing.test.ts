import request from 'supertest';
import { median } from '../support/median';
import { aUser, register } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

const WARM_UP = 3;
const SAMPLES = 25;
const TOLERANCE = 0.2;

function withoutTraceId(body: Record<string, unknown>): Record<string, unknown> {
  const { traceId: _traceId, ...rest } = body;
  return rest;
}

/**
 * User enumeration by timing (OWASP ASVS V2.2): an unknown email must cost one argon2 verification
 * against a dummy hash, as a wrong password does. Only the production parameters make argon2 the
 * dominant cost, so the cheap test defaults would hide a missing dummy verification in the noise.
 */
describe('login timing does not reveal whether an email is registered', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2' } });
  });
  afterAll(() => app.close());

  it('answers an unknown email as slowly, and in the same words, as a wrong password', async () => {
    const user = aUser();
    await register(app, user);
    const wrongPassword = { email: user.email, password: 'not the password at all, sorry' };
    const unknownEmail = { email: aUser().email, password: 'not the password at all, sorry' };

    // Plain supertest while timing: the contract check would add its own cost to each sample.
    async function timedLogin(body: object): Promise<{ ms: number; response: request.Response }> {
      const started = process.hrtime.bigint();
      const response = await request(app.server).post('/auth/login').send(body);
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, response };
    }

    // JIT, connection pools and the thread pool warm up before anything is measured.
    for (let i = 0; i < WARM_UP; i++) {
      await app.api.post('/auth/login').send(wrongPassword).expect(401);
      await app.api.post('/auth/login').send(unknownEmail).expect(401);
    }

    const known: number[] = [];
    const unknown: number[] = [];
    let knownResponse: request.Response | undefined;
    let unknownResponse: request.Response | undefined;
    // Interleaved, so drift (GC, a noisy neighbour, a warming cache) lands on both sides alike.
    // Each sample starts once the previous request's after-response work is done: a wrong
    // password's failure is published as an event and an unknown address's is not, and in the
    // serverless harness (every execution environment on this one event loop) that publication
    // would otherwise run during the next request and be timed as part of it.
    for (let i = 0; i < SAMPLES; i++) {
      await app.flushMail();
      const wrong = await timedLogin(wrongPassword);
      await app.flushMail();
      const missing = await timedLogin(unknownEmail);
      known.push(wrong.ms);
      unknown.push(missing.ms);
      knownResponse = wrong.response;
      unknownResponse = missing.response;
      expect(wrong.response.status).toBe(401);
      expect(missing.response.status).toBe(401);
    }

    expect(knownResponse!.body.code).toBe('UNAUTHORIZED');
    expect(withoutTraceId(unknownResponse!.body)).toEqual(withoutTraceId(knownResponse!.body));

    const knownMedian = median(known);
    const unknownMedian = median(unknown);
    console.log(
      `login timing medians: wrong password ${knownMedian.toFixed(1)} ms, unknown email ${unknownMedian.toFixed(1)} ms`,
    );
    expect(unknownMedian).toBeGreaterThanOrEqual(knownMedian * (1 - TOLERANCE));
    expect(unknownMedian).toBeLessThanOrEqual(knownMedian * (1 + TOLERANCE));
  }, 60_000);
});
