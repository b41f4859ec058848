import { pairedTiming, startTimedInstance, timedRequest } from '../support/paired-timing';
import { aUser } from '../support/auth';
import { type Instance, postJson } from '../support/processes';

/**
 * "Forgot password" must not be an account oracle: the same answer, and about the same time, for a
 * registered and an unknown address. The request is answered before the address is looked up; the
 * token, the outbox row and the email follow once the response is sent.
 *
 * The API runs in its own process (startTimedInstance says why), and is let go idle between
 * samples, so each sample times one response, not the tail of the previous request's work.
 */
describe('password reset requests do not reveal whether an email is registered', () => {
  let api: Instance;
  // Nothing to stop if the start failed: its own error is the one to read.
  let stop = (): Promise<void> => Promise.resolve();
  beforeAll(async () => {
    ({ api, stop } = await startTimedInstance({
      RATE_LIMIT_PASSWORD_RESET_IP: '100000/1m',
      RATE_LIMIT_PASSWORD_RESET_EMAIL: '100000/1m',
    }));
  }, 90_000);
  afterAll(() => stop());

  it('answers a registered and an unknown address in about the same time', async () => {
    const user = aUser();
    expect((await postJson(`${api.url}/auth/register`, user)).status).toBe(201);

    let firstBody: string | undefined;
    async function timed(email: string): Promise<number> {
      const { ms, status, body } = await timedRequest(api.url, () =>
        postJson(`${api.url}/auth/password-reset/request`, { email }),
      );
      expect(status).toBe(202);
      firstBody ??= body;
      expect(body).toBe(firstBody);
      return ms;
    }
    const timing = await pairedTiming(
      () => timed(user.email),
      () => timed(aUser().email),
    );
    console.log(
      `reset request timing: registered median ${timing.firstMedianMs.toFixed(2)} ms, unknown − registered median ${timing.differenceMs.toFixed(2)} ms`,
    );
    expect(Math.abs(timing.differenceMs)).toBeLessThanOrEqual(timing.allowedMs);
  }, 90_000);
});
