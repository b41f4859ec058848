import request from 'supertest';
import { MetricsEndpoint } from '@latchkey/platform';
import { aUser, login, register } from '../support/auth';
import { lintExposition } from '../support/promtool';
import { startTestApp, type TestApp } from '../support/test-app';

/** One sample: `name{labels} value`, as the exposition has it once promtool parsed it. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Scrapes the metrics port. Prometheus's parser (promtool) must accept the text, and its linter
 * may only object to the Node runtime metrics prom-client names (`nodejs_active_handles_total`
 * is a gauge), which keep their usual names for the community's dashboards; then the samples
 * are read line by line.
 */
async function scrape(app: TestApp): Promise<Sample[]> {
  const port = app.latchkey.app.get(MetricsEndpoint).port;
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(lintExposition(text).filter((finding) => finding.startsWith('latchkey_'))).toEqual([]);
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [, name, labels, value] = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)!;
      return {
        name: name!,
        labels: Object.fromEntries(
          [...(labels ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
        ),
        value: Number(value),
      };
    });
}

/** The sum over the series of `name` with these labels (a histogram: its `_count`). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const series = samples.filter(
    (sample) =>
      (sample.name === name || sample.name === `${name}_count`) &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  return series.reduce((sum, sample) => sum + sample.value, 0);
}

describe('metrics on METRICS_PORT', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      env: {
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        // Five logins per address a minute: the sixth is the rate-limited one.
        RATE_LIMIT_LOGIN_EMAIL: '5/1m',
        REFRESH_REUSE_GRACE_SECONDS: '5',
        METRICS_REFRESH_INTERVAL: '1',
      },
    });
  });
  afterAll(() => app.close());

  it('counts exactly what a scripted sequence did: 2 good logins, 3 bad, 1 reuse, 1 rate-limited', async () => {
    const before = await scrape(app);
    const user = aUser();
    await register(app, user);

    const first = await login(app, user);
    await login(app, user);
    for (let i = 0; i < 3; i++) {
      await app.api
        .post('/auth/login')
        .send({ email: user.email, password: 'not the password at all' })
        .expect(401);
    }
    await app.api.post('/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200);
    app.clock.advanceSeconds(6); // past the grace window: the consumed token again is reuse
    await app.api.post('/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    await app.api.post('/auth/login').send({ email: user.email, password: user.password }).expect(429);

    const after = await scrape(app);
    const moved = (name: string, labels: Record<string, string> = {}) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);
    expect({
      registrations: moved('latchkey_registrations_total'),
      success: moved('latchkey_logins_total', { outcome: 'success' }),
      invalid: moved('latchkey_logins_total', { outcome: 'invalid_credentials' }),
      locked: moved('latchkey_logins_total', { outcome: 'locked' }),
      rateLimited: moved('latchkey_logins_total', { outcome: 'rate_limited' }),
      rotated: moved('latchkey_refresh_total', { outcome: 'rotated' }),
      reuse: moved('latchkey_refresh_total', { outcome: 'reuse_detected' }),
      reuseDetections: moved('latchkey_refresh_reuse_detected_total'),
      limiterRejections: moved('latchkey_rate_limit_rejections_total', { limiter: 'loginEmail' }),
      loginRequests: moved('latchkey_http_request_duration_seconds', { route: '/auth/login' }),
    }).toEqual({
      registrations: 1,
      success: 2,
      invalid: 3,
      locked: 0,
      rateLimited: 1,
      rotated: 1,
      reuse: 1,
      reuseDetections: 1,
      limiterRejections: 1,
      loginRequests: 6,
    });

    // Labels stay bounded: route templates and status classes, never a raw path or an id.
    const series = after.filter((sample) => sample.name === 'latchkey_http_request_duration_seconds_count');
    expect(series.length).toBeGreaterThan(0);
    for (const { labels } of series) {
      expect(labels.status_class).toMatch(/^[1-5]xx$/);
      expect(labels.route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    }
  });

  it('serves the gauges operators alert on, and the Node runtime’s own metrics', async () => {
    // Refreshed every METRICS_REFRESH_INTERVAL: the first test's logins left a live session.
    let families = await scrape(app);
    for (const started = Date.now(); valueOf(families, 'latchkey_active_sessions') < 1;) {
      if (Date.now() - started > 5_000)
        throw new Error('latchkey_active_sessions never counted the sessions');
      await new Promise((resolve) => setTimeout(resolve, 200));
      families = await scrape(app);
    }
    for (const name of [
      'latchkey_password_hash_queue_depth',
      'latchkey_password_hash_wait_seconds',
      'latchkey_active_sessions',
      'latchkey_signing_key_age_seconds',
      'latchkey_email_outbox_depth',
      'latchkey_email_outbox_oldest_unsent_age_seconds',
      'latchkey_outbox_failures_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(families.some((sample) => sample.name.startsWith(name)) ? name : `missing ${name}`).toBe(name);
    }
    expect(valueOf(families, 'latchkey_signing_key_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('is not on the public port, and answers only GET /metrics on its own', async () => {
    // Around the contract client, which would refuse a path the spec does not have.
    await request(app.server).get('/metrics').expect(404);
    await request(app.server).get('/v1/metrics').expect(404);
    const port = app.latchkey.app.get(MetricsEndpoint).port;
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
  });
});

describe('metrics without METRICS_PORT', () => {
  it('opens no port', async () => {
    const app = await startTestApp();
    try {
      expect(app.latchkey.app.get(MetricsEndpoint).port).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
