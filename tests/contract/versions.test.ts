import type request from 'supertest';
import { users as usersCli } from '../support/cli';
import { codeOf, linkTokenOf, MailCatcher } from '../support/mail-catcher';
import { contract, startTestApp, type TestApp } from '../support/test-app';
import { TestClock } from '@latchkey/shared-kernel/testing';

/**
 * The unversioned paths are aliases of v1 (docs/openapi.yaml, "Versions"). One journey through
 * every versioned operation runs twice, each on a fresh app from the same instant: once under
 * `/v1`, once unversioned. What each step answers must be the same, up to what differs between
 * any two runs (generated ids, tokens, instants) and the refresh cookie's Path, which follows
 * the prefix the client uses.
 */

const START = new Date('2026-06-01T09:00:00.000Z');
const PASSWORD = 'a long and unremarkable passphrase';
const NEW_PASSWORD = 'another perfectly long passphrase';
/** Headers that carry the answer (not transport detail that differs per connection). */
const COMPARED_HEADERS = [
  'content-type',
  'cache-control',
  'www-authenticate',
  'location',
  'ratelimit-limit',
  'ratelimit-remaining',
  'retry-after',
  'set-cookie',
];

interface Step {
  operation: string;
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
}

/** Replaces what is random in a run with placeholders numbered by first appearance. */
function normalizer(): (value: unknown) => unknown {
  const seen = new Map<string, string>();
  const stable = (kind: string, raw: string) => {
    if (!seen.has(raw)) seen.set(raw, `<${kind}${seen.size + 1}>`);
    return seen.get(raw)!;
  };
  return (value) =>
    JSON.parse(
      JSON.stringify(value ?? null)
        .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '<jwt>')
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => stable('id', id))
        .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<instant>')
        .replace(/__Secure-lk_refresh=[\w-]+/g, '__Secure-lk_refresh=<token>')
        .replace(/Path=\/(v1\/)?auth/g, 'Path=<prefix>/auth')
        .replace(/"refreshToken":"[\w-]+"/g, '"refreshToken":"<token>"'),
    ) as unknown;
}

async function journey(prefix: '/v1' | ''): Promise<Step[]> {
  const mail = await MailCatcher.start();
  const app: TestApp = await startTestApp({
    clock: new TestClock(START),
    env: {
      SMTP_URL: mail.url,
      MAIL_FROM: 'Latchkey <no-reply@example.test>',
      CORS_ORIGINS: 'https://app.example.test',
    },
  });
  const steps: Step[] = [];
  const normalize = normalizer();
  const send = async (
    method: 'get' | 'post' | 'patch' | 'put' | 'delete',
    path: string,
    options: { token?: string; body?: object; cookie?: boolean } = {},
  ): Promise<request.Response> => {
    let call = app.api[method](`${prefix}${path}`);
    if (options.token) call = call.set('authorization', `Bearer ${options.token}`);
    if (options.cookie) call = call.set('x-token-transport', 'cookie');
    const response = await (options.body ? call.send(options.body) : call);
    const template = contract.templateFor(`${prefix}${path}`);
    steps.push(
      normalize({
        operation: `${method.toUpperCase()} ${template}`,
        status: response.status,
        headers: Object.fromEntries(COMPARED_HEADERS.map((name) => [name, response.headers[name]])),
        body: response.body,
      }) as Step,
    );
    return response;
  };

  try {
    const ada = { email: 'ada@example.com', password: PASSWORD, name: 'Ada' };
    const adaId = ((await send('post', '/auth/register', { body: ada })).body as { id: string }).id;
    await app.flushMail();
    await send('post', '/auth/verify/request', { body: { email: ada.email } });
    await app.flushMail();
    await send('post', '/auth/verify/confirm', {
      body: { email: ada.email, code: codeOf(await mail.waitFor(ada.email, 1)) },
    });
    const login = await send('post', '/auth/login', { body: { email: ada.email, password: PASSWORD } });
    const { refreshToken } = login.body as { refreshToken: string };
    await send('post', '/auth/login', {
      body: { email: ada.email, password: PASSWORD, deviceId: 'browser' },
      cookie: true,
    });
    const refreshed = await send('post', '/auth/refresh', { body: { refreshToken } });
    let token = (refreshed.body as { accessToken: string }).accessToken;
    await send('get', '/auth/me', { token });
    const sessions = await send('get', '/auth/sessions', { token });
    const other = (sessions.body as { items: { id: string; current: boolean }[] }).items.find(
      (session) => !session.current,
    )!;
    await send('delete', `/auth/sessions/${other.id}`, { token });
    await send('post', '/auth/refresh', { body: {} }); // refused: no token at all
    await send('post', '/auth/password/change', {
      token,
      body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    await app.flushMail();
    const before = mail.to(ada.email).length;
    await send('post', '/auth/password-reset/request', { body: { email: ada.email } });
    await app.flushMail();
    const reset = await mail.waitFor(ada.email, before + 1);
    await send('post', '/auth/password-reset/confirm', {
      body: { token: linkTokenOf(reset), newPassword: PASSWORD },
    });
    token = (
      (await send('post', '/auth/login', { body: { email: ada.email, password: PASSWORD } })).body as {
        accessToken: string;
      }
    ).accessToken;

    await send('get', '/auth/organizations/slug-available/acme');
    const grace = {
      email: 'grace@example.com',
      password: PASSWORD,
      name: 'Grace',
      organization: { name: 'Acme', slug: 'acme' },
    };
    const signup = await send('post', '/auth/signup', { body: grace });
    const graceToken = (signup.body as { accessToken: string }).accessToken;
    const organizations = await send('get', '/organizations', { token: graceToken });
    const orgId = (organizations.body as { items: { id: string }[] }).items[0]!.id;
    await send('post', '/auth/switch-organization', { token: graceToken, body: { organizationId: orgId } });
    await send('get', `/organizations/${orgId}`, { token: graceToken });
    await send('post', `/organizations/${orgId}/members`, {
      token: graceToken,
      body: { email: ada.email, role: 'ORGANIZATION_MEMBER' },
    });
    await send('get', `/organizations/${orgId}/members`, { token: graceToken });
    await send('patch', `/organizations/${orgId}/members/${adaId}`, {
      token: graceToken,
      body: { role: 'ORGANIZATION_ADMIN' },
    });
    await send('delete', `/organizations/${orgId}/members/${adaId}`, { token: graceToken });

    await send('get', '/users', { token }); // refused: not an admin yet
    expect((await usersCli(app, 'grant-admin', ada.email)).code).toBe(0);
    token = (
      (await send('post', '/auth/login', { body: { email: ada.email, password: PASSWORD } })).body as {
        accessToken: string;
      }
    ).accessToken;
    const list = await send('get', '/users', { token });
    const graceId = (list.body as { items: { id: string; email: string }[] }).items.find(
      (user) => user.email === grace.email,
    )!.id;
    await send('get', `/users/${graceId}`, { token });
    await send('patch', `/users/${graceId}`, { token, body: { name: 'Grace H.' } });
    await send('put', `/users/${graceId}/roles`, { token, body: { roles: ['user', 'admin'] } });
    await send('delete', `/users/${adaId}`, { token });
    await send('post', '/auth/logout', { body: { refreshToken } });
    return steps;
  } finally {
    await app.close();
    await mail.stop();
  }
}

describe('API versions: the unversioned paths are aliases of v1', () => {
  let versioned: Step[];
  let unversioned: Step[];
  beforeAll(async () => {
    versioned = await journey('/v1');
    unversioned = await journey('');
  });

  it('walks every versioned operation of the spec', () => {
    const walked = new Set(versioned.map((step) => step.operation));
    const versionedOperations = contract
      .operations()
      .filter((operation) => operation.path.startsWith('/v1/'))
      .map((operation) => `${operation.method} ${operation.path}`);
    expect(versionedOperations.filter((operation) => !walked.has(operation))).toEqual([]);
  });

  it('answers every step identically under /v1 and unversioned', () => {
    expect(unversioned).toEqual(versioned);
  });
});
