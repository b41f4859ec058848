import { rows, sql } from '@latchkey/platform/testing';
import { keysFromStoredHash, openSealWith } from '@latchkey/identity/testing';
import { claimsOf, me, refresh, registerAndLogin } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

interface TokenRow {
  generation: number;
  token_hash: string;
  sealed_successor: string | null;
}

describe('a copy of the database opens no session', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('holds no refresh token, and no successor seal opens with what the rows contain', async () => {
    const { tokens } = await registerAndLogin(app);
    const r1 = (await refresh(app, tokens.refreshToken).expect(200)).body.refreshToken as string;
    const live = (await refresh(app, r1).expect(200)).body as { refreshToken: string; accessToken: string };
    const sessionId = claimsOf(tokens.accessToken).sid as string;

    // What a thief with a backup or a read replica has.
    const stolen = await rows<TokenRow>(
      app.latchkey.database,
      sql`select generation, token_hash, sealed_successor from refresh_tokens
          where session_id = ${sessionId} order by generation`,
    );
    expect(stolen.map((row) => row.generation)).toEqual([0, 1, 2]);
    const seals = stolen.filter((row) => row.sealed_successor !== null);
    expect(seals).toHaveLength(2);

    const dump = JSON.stringify(stolen);
    for (const token of [tokens.refreshToken, r1, live.refreshToken]) expect(dump).not.toContain(token);
    for (const row of seals) {
      for (const key of keysFromStoredHash(row.token_hash)) {
        expect(openSealWith(key, row.sealed_successor!)).toBeUndefined();
      }
    }
    // Nor is a stored hash a token.
    for (const row of stolen) await refresh(app, row.token_hash).expect(401);

    // The rightful client is unaffected: the grace-window replay still hands back its token.
    const replay = await refresh(app, r1).expect(200);
    expect(replay.body.refreshToken).toBe(live.refreshToken);
    await me(app, live.accessToken).expect(200);
  });
});
