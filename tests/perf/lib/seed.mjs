// Test data written straight into the API's tables with set-based SQL: a million sessions in
// about a minute, where logging them in through the API would take hours of argon2.

export const BENCH_PASSWORD = 'a bench passphrase of ordinary length';
export const benchEmail = (n) => `bench-user-${n}@bench.example`;
const SEED_USER_AGENT = 'latchkey-bench seed';

/**
 * RFC 9562 UUIDv7 (48-bit millisecond timestamp, version 7, variant 10) from a timestamptz
 * expression, like the API's UuidV7Generator: time-ordered keys give the seeded B-trees the
 * shape production's have, which random v4 keys would not.
 */
const uuid7 = (at, salt) => `(
  lpad(to_hex((extract(epoch from ${at}) * 1000)::bigint), 12, '0') || '7'
  || substr(md5(${salt} || random()::text), 1, 3) || '8' || substr(md5(${salt} || random()::text), 4, 15)
)::uuid`;

/** base64url without padding, the shape of the API's HMAC-SHA-256 token hashes (43 characters). */
const tokenHash = (input) => `translate(encode(sha256(convert_to(${input}, 'UTF8')), 'base64'), '+/=', '-_')`;

/** `count` active accounts with profiles, all with one real argon2id hash of BENCH_PASSWORD. */
export async function seedUsers(sql, { count, passwordHash }) {
  await sql.query(
    `insert into accounts (id, email, password_hash, created_at, updated_at)
     select ${uuid7('now()', 'n::text')}, 'bench-user-' || n || '@bench.example', $1, now(), now()
     from generate_series(0, $2::int - 1) as n`,
    [passwordHash, count],
  );
  await sql.query(
    `insert into profiles (user_id, name, created_at, updated_at)
     select id, 'Bench User', now(), now() from accounts where email like 'bench-user-%'`,
  );
}

/**
 * Sessions number `from` to `to - 1` (of `total`), spread over the bench users, each with the
 * two refresh tokens a once-refreshed session has: generation 0 rotated (with its sealed
 * successor, as wide as a real one) and generation 1 live. Creation times are 100 ms apart,
 * ending now, so they are live and time-ordered.
 */
export async function seedSessions(sql, { from, to, total, users }) {
  await sql.query(
    `with numbered as (
       select n, now() - (($3::int - n) * interval '100 milliseconds') as at
       from generate_series($1::int, $2::int - 1) as n
     ), owners as (
       select id, row_number() over (order by id) - 1 as k from accounts where email like 'bench-user-%'
     ), created as (
       insert into sessions (id, user_id, user_agent, ip, created_at, last_used_at, expires_at, idle_expires_at)
       select ${uuid7('numbered.at', 'n::text')}, owners.id, '${SEED_USER_AGENT}', '127.0.0.1',
              at, at, at + interval '30 days', at + interval '7 days'
       from numbered join owners on owners.k = numbered.n % $4
       returning id, created_at
     ), live as (
       insert into refresh_tokens (id, session_id, token_hash, generation, created_at)
       select ${uuid7('created_at', 'id::text')}, id, ${tokenHash("id::text || ':1'")}, 1, created_at
       from created
       returning id, session_id, created_at
     )
     insert into refresh_tokens
       (id, session_id, token_hash, generation, created_at, rotated_at, successor_id, sealed_successor)
     select ${uuid7('created_at', "session_id::text || ':0'")}, session_id, ${tokenHash("session_id::text || ':0'")},
            0, created_at, created_at, id,
            translate(encode(sha512(convert_to(session_id::text, 'UTF8')), 'base64'), '+/=', '-_')
     from live`,
    [from, to, total, users],
  );
}

/** Grows the seeded sessions to `target` in batches, reporting progress; then refreshes statistics. */
export async function seedSessionsUpTo(sql, { target, users, batch = 100_000, log = () => undefined }) {
  const [{ seeded }] = await sql.query(
    `select count(*)::int as seeded from sessions where user_agent = '${SEED_USER_AGENT}'`,
  );
  for (let from = seeded; from < target; from += batch) {
    const to = Math.min(target, from + batch);
    await seedSessions(sql, { from, to, total: target, users });
    log(`seeded ${to.toLocaleString('en')} / ${target.toLocaleString('en')} sessions`);
  }
  // As autovacuum would on a real table of that size; without it the planner guesses from a tiny one.
  await sql.query('analyze');
}

export async function countSessions(sql) {
  const [{ sessions, tokens }] = await sql.query(
    `select (select count(*) from sessions)::int as sessions, (select count(*) from refresh_tokens)::int as tokens`,
  );
  return { sessions, tokens };
}

/** Live tokens of `count` seeded sessions: the chains the bare refresh SQL ceiling rotates. */
export async function seededChains(sql, count) {
  return sql.query(
    `select t.session_id as "sessionId", t.token_hash as "tokenHash", t.generation, s.user_id as "userId"
     from refresh_tokens t join sessions s on s.id = t.session_id
     where s.user_agent = '${SEED_USER_AGENT}' and t.rotated_at is null
     order by s.created_at desc limit $1`,
    [count],
  );
}
