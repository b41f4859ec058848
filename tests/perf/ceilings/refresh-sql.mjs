// Ceiling for POST /auth/refresh: the SQL a refresh issues (DrizzleSessionRepository.lockChain
// and .rotate, the audit row, then the profile read for the access token's roles), through the
// same driver and at the same concurrency, with none of the HTTP, Nest or cryptography around it.
import { randomBytes } from 'node:crypto';
import { serveOnce } from '../lib/child.mjs';
import { openSql } from '../lib/database.mjs';
import { seededChains } from '../lib/seed.mjs';
import { closedLoop } from '../lib/stats.mjs';

/** The API's UuidV7Generator, so inserted keys are time-ordered like the API's. */
function uuidV7() {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const DAY_MS = 24 * 3600 * 1000;

/** The statements as drizzle sends them (captured with log_statement = all), in the same order. */
async function refresh(sql, chain) {
  const now = new Date();
  const successor = { id: uuidV7(), tokenHash: randomBytes(32).toString('base64url') };
  await sql.transaction(async (query) => {
    const [found] = await query(
      'select "session_id" from "refresh_tokens" where "refresh_tokens"."token_hash" = $1 limit $2',
      [chain.tokenHash, 1],
    );
    await query(
      `select "sessions"."id", "sessions"."user_id", "sessions"."device_id", "sessions"."user_agent", "sessions"."ip",
              "sessions"."created_at", "sessions"."last_used_at", "sessions"."expires_at", "sessions"."idle_expires_at",
              "sessions"."revoked_at", "sessions"."revoke_reason", "sessions"."reuse_detected_at",
              "accounts"."deleted_at", "accounts"."disabled_at"
       from "sessions" inner join "accounts" on "accounts"."id" = "sessions"."user_id"
       where "sessions"."id" = $1 for update of "sessions"`,
      [found.session_id],
    );
    const tokens = await query(
      `select "id", "session_id", "token_hash", "generation", "created_at", "rotated_at", "successor_id", "sealed_successor"
       from "refresh_tokens"
       where ("refresh_tokens"."token_hash" = $1 or ("refresh_tokens"."session_id" = $2 and "refresh_tokens"."rotated_at" is null))`,
      [chain.tokenHash, chain.sessionId],
    );
    const presented = tokens.find((token) => token.token_hash === chain.tokenHash);
    await query(
      `update "refresh_tokens" set "rotated_at" = $1, "successor_id" = $2, "sealed_successor" = $3
       where ("refresh_tokens"."id" = $4 and "refresh_tokens"."rotated_at" is null) returning "id"`,
      [now, successor.id, randomBytes(71).toString('base64url'), presented.id],
    );
    await query(
      `insert into "refresh_tokens" ("id", "session_id", "token_hash", "generation", "created_at", "rotated_at", "successor_id", "sealed_successor")
       values ($1, $2, $3, $4, $5, default, default, default)`,
      [successor.id, chain.sessionId, successor.tokenHash, presented.generation + 1, now],
    );
    await query(
      `update "sessions" set "last_used_at" = $1, "idle_expires_at" = $2 where "sessions"."id" = $3`,
      [now, new Date(now.getTime() + 7 * DAY_MS), chain.sessionId],
    );
    await query(
      `insert into "auth_events" ("id", "type", "user_id", "session_id", "ip", "user_agent", "request_id", "occurred_at", "data")
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        uuidV7(),
        'RefreshTokenRotated',
        chain.userId,
        chain.sessionId,
        '127.0.0.1',
        'autocannon',
        uuidV7(),
        now,
        { generation: presented.generation + 1 },
      ],
    );
  });
  await sql.query(
    'select "user_id", "name", "roles", "created_at", "updated_at" from "profiles" where "profiles"."user_id" = $1 limit $2',
    [chain.userId, 1],
  );
  chain.tokenHash = successor.tokenHash;
}

serveOnce(async ({ databaseUrl, dataDir, concurrency, seconds, warmupSeconds }) => {
  const sql = await openSql({ databaseUrl, dataDir, poolSize: concurrency });
  try {
    // One chain per loop, as each autocannon connection rotates its own.
    const chains = await seededChains(sql, concurrency);
    if (chains.length < concurrency) throw new Error(`only ${chains.length} seeded chains`);
    const settings = { concurrency, seconds };
    await closedLoop((slot) => refresh(sql, chains[slot]), { ...settings, seconds: warmupSeconds });
    return {
      driver: sql.driver,
      concurrency,
      ...(await closedLoop((slot) => refresh(sql, chains[slot]), settings)),
    };
  } finally {
    await sql.close();
  }
});
