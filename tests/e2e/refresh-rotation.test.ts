import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { rows, sql } from '@latchkey/platform/testing';
import { claimsOf, login, me, refresh, registerAndLogin } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

interface SessionRow {
  revoked_at: Date | null;
  revoke_reason: string | null;
  reuse_detected_at: Date | null;
}

async function sessionRow(app: TestApp, sessionId: string): Promise<SessionRow> {
  const [row] = await rows<SessionRow>(
    app.latchkey.database,
    sql`select revoked_at, revoke_reason, reuse_detected_at from sessions where id = ${sessionId}`,
  );
  return row!;
}

async function liveTokenCount(app: TestApp, sessionId: string): Promise<number> {
  const [row] = await rows<{ live: number | string }>(
    app.latchkey.database,
    sql`select count(*) as live from refresh_tokens where session_id = ${sessionId} and rotated_at is null`,
  );
  return Number(row!.live);
}

const sidOf = (accessToken: string) => claimsOf(accessToken).sid as string;

describe('refresh rotation and reuse detection', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('rotates R0 → R1 → R2; replaying R0 revokes the chain, so R2 fails too; other sessions are untouched', async () => {
    const { user, tokens } = await registerAndLogin(app);
    const other = await login(app, user, 'other-device');
    const r0 = tokens.refreshToken;
    const r1 = (await refresh(app, r0).expect(200)).body.refreshToken as string;
    const second = (await refresh(app, r1).expect(200)).body as { refreshToken: string; accessToken: string };
    const r2 = second.refreshToken;
    expect(new Set([r0, r1, r2]).size).toBe(3);

    app.clock.advanceSeconds(11); // beyond the grace window: R0 is plainly a replay
    const replay = await refresh(app, r0).expect(401);
    expect(replay.body).toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/already used/),
    });
    expect(replay.headers['www-authenticate']).toBe('Bearer');

    await refresh(app, r2).expect(401);
    await me(app, second.accessToken).expect(401);

    // The reuse was recorded and committed, although the request failed.
    const sessionId = sidOf(tokens.accessToken);
    const row = await sessionRow(app, sessionId);
    expect(row).toMatchObject({ revoke_reason: 'refresh_token_reuse' });
    expect(row.reuse_detected_at).not.toBeNull();
    const events = await rows<{ type: string }>(
      app.latchkey.database,
      sql`select type from auth_events where session_id = ${sessionId} and type = 'RefreshTokenReuseDetected'`,
    );
    expect(events).toHaveLength(1);

    // The user's other session lives on.
    const otherRefreshed = await refresh(app, other.refreshToken).expect(200);
    await me(app, otherRefreshed.body.accessToken).expect(200);
  });

  it('replaying R1 within the grace window returns R2 itself (and a fresh access token), not a new branch', async () => {
    const { tokens } = await registerAndLogin(app);
    const r1 = (await refresh(app, tokens.refreshToken).expect(200)).body.refreshToken as string;
    const first = (await refresh(app, r1).expect(200)).body as { refreshToken: string; accessToken: string };

    app.clock.advanceSeconds(5);
    const again = (await refresh(app, r1).expect(200)).body as { refreshToken: string; accessToken: string };
    expect(again.refreshToken).toBe(first.refreshToken);
    expect(again.accessToken).not.toBe(first.accessToken);
    expect(await liveTokenCount(app, sidOf(tokens.accessToken))).toBe(1);

    // The chain continues from R2 as if nothing happened.
    await refresh(app, first.refreshToken).expect(200);
  });

  it.each([
    ['erased (as the upgrade that changed the seal key erased them)', null],
    ['sealed under a key this server does not hold', randomBytes(60).toString('base64url')],
  ])(
    'refuses a replay within the grace window whose seal is %s, without revoking the session',
    async (_, sealedSuccessor) => {
      const { tokens } = await registerAndLogin(app);
      const r1 = (await refresh(app, tokens.refreshToken).expect(200)).body.refreshToken as string;
      const r2 = (await refresh(app, r1).expect(200)).body.refreshToken as string;
      const sessionId = sidOf(tokens.accessToken);
      await app.latchkey.database.db.execute(
        sql`update refresh_tokens set sealed_successor = ${sealedSuccessor}
            where session_id = ${sessionId} and generation = 1`,
      );

      app.clock.advanceSeconds(5);
      const replay = await refresh(app, r1).expect(401);
      expect(replay.body.message).toBe('The refresh token is invalid or expired');
      expect((await sessionRow(app, sessionId)).revoked_at).toBeNull();
      await refresh(app, r2).expect(200);
    },
  );

  it('treats the same replay after the grace window as reuse', async () => {
    const { tokens } = await registerAndLogin(app);
    const r1 = (await refresh(app, tokens.refreshToken).expect(200)).body.refreshToken as string;
    const r2 = (await refresh(app, r1).expect(200)).body.refreshToken as string;
    app.clock.advanceSeconds(11);
    await refresh(app, r1).expect(401);
    await refresh(app, r2).expect(401);
    expect((await sessionRow(app, sidOf(tokens.accessToken))).revoke_reason).toBe('refresh_token_reuse');
  });

  it('an older generation is reuse even within the grace window', async () => {
    const { tokens } = await registerAndLogin(app);
    const r1 = (await refresh(app, tokens.refreshToken).expect(200)).body.refreshToken as string;
    await refresh(app, r1).expect(200);
    await refresh(app, tokens.refreshToken).expect(401); // R0, two rotations ago
    expect((await sessionRow(app, sidOf(tokens.accessToken))).revoke_reason).toBe('refresh_token_reuse');
  });

  it('10 parallel refreshes with one token: no 5xx, one successor for all, one live token in the database', async () => {
    const { tokens } = await registerAndLogin(app);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        request(app.server).post('/auth/refresh').send({ refreshToken: tokens.refreshToken }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    const successors = new Set(responses.map((response) => response.body.refreshToken as string));
    expect(successors.size).toBe(1);
    const sessionId = sidOf(tokens.accessToken);
    expect(await liveTokenCount(app, sessionId)).toBe(1);
    expect((await sessionRow(app, sessionId)).revoked_at).toBeNull();
    await refresh(app, [...successors][0]!).expect(200);
  });

  it('answers an unknown refresh token with 401 and changes nothing', async () => {
    const response = await refresh(app, 'A'.repeat(43)).expect(401);
    expect(response.body.message).toBe('The refresh token is invalid or expired');
  });

  it('requires a refresh token: none in the body and no cookie is 401', async () => {
    await app.api.post('/auth/refresh').send({}).expect(401);
  });

  it('ends a session that was idle longer than REFRESH_TOKEN_TTL (7 days)', async () => {
    const { tokens } = await registerAndLogin(app);
    app.clock.advanceSeconds(7 * 86_400 + 1);
    await refresh(app, tokens.refreshToken).expect(401);
  });

  it('ends a session at SESSION_MAX_AGE (30 days) however often it is refreshed', async () => {
    const { tokens } = await registerAndLogin(app);
    let current = tokens.refreshToken;
    for (let day = 0; day < 29; day++) {
      app.clock.advanceSeconds(86_400);
      current = (await refresh(app, current).expect(200)).body.refreshToken as string;
    }
    app.clock.advanceSeconds(86_400 + 1);
    await refresh(app, current).expect(401);
  });
});

describe('refresh rotation with the grace window disabled', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
  });
  afterAll(() => app.close());

  it('treats an immediate replay of the rotated token as reuse', async () => {
    const { tokens } = await registerAndLogin(app);
    const r1 = (await refresh(app, tokens.refreshToken).expect(200)).body.refreshToken as string;
    await refresh(app, tokens.refreshToken).expect(401);
    await refresh(app, r1).expect(401);
  });
});
