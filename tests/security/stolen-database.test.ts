import { createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import { rows, sql } from '../../apps/api/src/testing/sql';
import { claimsOf, me, refresh, registerAndLogin } from '../support/auth';
import { startTestApp, type TestApp } from '../support/test-app';

interface TokenRow {
  generation: number;
  token_hash: string;
  sealed_successor: string | null;
}

/** AES-256-GCM as a successor seal is laid out (iv, tag, body), opened with a candidate key. */
function opensWith(key: Buffer, sealed: string): string | undefined {
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** Every key an attacker can compute from one row of a copied refresh_tokens table. */
function keysFromRow(row: TokenRow): Buffer[] {
  const storedHash = Buffer.from(row.token_hash, 'base64url');
  const expand = (prk: Buffer, info: string) =>
    createHmac('sha256', prk)
      .update(Buffer.concat([Buffer.from(info), Buffer.from([1])]))
      .digest();
  return ['v1', 'v2'].flatMap((version) => {
    const info = `latchkey/refresh-token/successor-seal/${version}`;
    return [
      // HKDF with the pepper as salt: its extract step is HMAC(pepper, token), the stored hash.
      expand(storedHash, info),
      Buffer.from(hkdfSync('sha256', storedHash, Buffer.alloc(0), info, 32)),
      Buffer.from(hkdfSync('sha256', Buffer.from(row.token_hash), Buffer.alloc(0), info, 32)),
    ];
  });
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
      for (const key of keysFromRow(row)) expect(opensWith(key, row.sealed_successor!)).toBeUndefined();
    }
    // Nor is a stored hash a token.
    for (const row of stolen) await refresh(app, row.token_hash).expect(401);

    // The rightful client is unaffected: the grace-window replay still hands back its token.
    const replay = await refresh(app, r1).expect(200);
    expect(replay.body.refreshToken).toBe(live.refreshToken);
    await me(app, live.accessToken).expect(200);
  });
});
