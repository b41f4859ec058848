import { randomUUID } from 'node:crypto';
import type request from 'supertest';
import type { TestApp } from './test-app';

/** Anything with the contract-checked client: the monolith's TestApp, or the services deployment. */
type Client = Pick<TestApp, 'api'>;

export const PASSWORD = 'a long and unremarkable passphrase';

export interface TestUser {
  email: string;
  password: string;
  name: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/** A unique, policy-compliant user. */
export function aUser(overrides: Partial<TestUser> = {}): TestUser {
  const id = randomUUID().slice(0, 8);
  return { email: `user-${id}@example.com`, password: PASSWORD, name: `User ${id}`, ...overrides };
}

export async function register(app: Client, user: TestUser): Promise<{ id: string }> {
  const response = await app.api.post('/auth/register').send(user).expect(201);
  return response.body as { id: string };
}

export async function login(app: Client, user: TestUser, deviceId?: string): Promise<Tokens> {
  const response = await app.api
    .post('/auth/login')
    .send({ email: user.email, password: user.password, ...(deviceId ? { deviceId } : {}) })
    .expect(200);
  return response.body as Tokens;
}

export async function registerAndLogin(
  app: Client,
  overrides: Partial<TestUser> = {},
): Promise<{ user: TestUser; userId: string; tokens: Tokens }> {
  const user = aUser(overrides);
  const { id } = await register(app, user);
  return { user, userId: id, tokens: await login(app, user) };
}

export function refresh(app: Client, refreshToken: string): request.Test {
  return app.api.post('/auth/refresh').send({ refreshToken });
}

export function me(app: Client, accessToken: string): request.Test {
  return app.api.get('/auth/me').set('authorization', `Bearer ${accessToken}`);
}

/** The claims of a JWT, unverified (tests only look). */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function headerOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
