// Ceiling for POST /auth/refresh: the SQL a refresh issues (DrizzleSessionRepository.findChain and
// .rotate, then DrizzleProfileRepository.findAccessClaims for the access token's claims), as
// named prepared statements through the same driver and at the same concurrency, with none of the
// HTTP, Nest or cryptography around it.
import { randomBytes } from 'node:crypto';
import { serveOnce } from '../lib/child.mjs';
import { openSql } from '../lib/database.mjs';
import { uuidV7 } from '../lib/ids.mjs';
import { seededChains } from '../lib/seed.mjs';
import { ACCESS_CLAIMS } from '../lib/statements.mjs';
import { closedLoop } from '../lib/stats.mjs';

const DAY_MS = 24 * 3600 * 1000;

const FIND_CHAIN = `
  select "refresh_tokens"."id", "refresh_tokens"."session_id", "refresh_tokens"."token_hash", "refresh_tokens"."generation",
         "refresh_tokens"."created_at", "refresh_tokens"."rotated_at", "refresh_tokens"."successor_id", "refresh_tokens"."sealed_successor",
         "sessions"."id", "sessions"."user_id", "sessions"."device_id", "sessions"."user_agent", "sessions"."ip",
         "sessions"."created_at", "sessions"."last_used_at", "sessions"."expires_at", "sessions"."idle_expires_at",
         "sessions"."revoked_at", "sessions"."revoke_reason", "sessions"."reuse_detected_at", "sessions"."active_organization_id",
         "live"."id", "live"."session_id", "live"."token_hash", "live"."generation", "live"."created_at", "live"."rotated_at",
         "live"."successor_id", "live"."sealed_successor", "accounts"."deleted_at", "accounts"."disabled_at"
  from "refresh_tokens"
  inner join "sessions" on "sessions"."id" = "refresh_tokens"."session_id"
  inner join "accounts" on "accounts"."id" = "sessions"."user_id"
  left join "refresh_tokens" "live" on ("live"."session_id" = "refresh_tokens"."session_id" and "live"."rotated_at" is null)
  where "refresh_tokens"."token_hash" = $1 limit $2`;

const ROTATE = `
  with locked as (
    select id from sessions where id = $1::uuid and revoked_at is null for update
  ), retired as (
    update refresh_tokens set rotated_at = $2::timestamptz, successor_id = $3::uuid, sealed_successor = $4::text
    where id = $5::uuid and rotated_at is null and session_id = (select id from locked)
    returning session_id
  ), inserted as (
    insert into refresh_tokens (id, session_id, token_hash, generation, created_at)
    select $3::uuid, session_id, $6::text, $7::int, $2::timestamptz from retired
    returning session_id
  ), slid as (
    update sessions set last_used_at = $2::timestamptz, idle_expires_at = $8::timestamptz
    where id = (select session_id from inserted)
    returning id
  ), audited as (
    insert into auth_events (id, type, user_id, session_id, ip, user_agent, request_id, occurred_at, data)
    select $9::uuid, $10::text, $11::uuid, id, $12::text, $13::text, $14::text, $2::timestamptz, $15::jsonb from slid
    returning id
  )
  select count(*)::int as rotated from audited`;

/** The API's three round trips of a rotation, in its order. */
async function refresh(sql, chain) {
  const now = new Date();
  const successor = { id: uuidV7(), tokenHash: randomBytes(32).toString('base64url') };
  const [found] = await sql.query(FIND_CHAIN, [chain.tokenHash, 1], 'bench_refresh_chain');
  const [{ rotated }] = await sql.query(
    ROTATE,
    [
      chain.sessionId,
      now,
      successor.id,
      randomBytes(71).toString('base64url'),
      found.id,
      successor.tokenHash,
      found.generation + 1,
      new Date(now.getTime() + 7 * DAY_MS),
      uuidV7(),
      'RefreshTokenRotated',
      chain.userId,
      '127.0.0.1',
      'autocannon',
      uuidV7(),
      JSON.stringify({ generation: found.generation + 1 }),
    ],
    'bench_rotate_refresh_token',
  );
  if (rotated !== 1) throw new Error('the ceiling lost its own chain');
  await sql.query(ACCESS_CLAIMS, [chain.userId, 1], 'bench_access_claims');
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
