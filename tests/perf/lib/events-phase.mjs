// The bench's domain-events phase: how fast the relay empties the outbox into RabbitMQ, what
// publishing costs login, registration and refresh, and refresh latency while the scheduled
// clean-up works through a large backlog. Run after the main measurements, on the same database.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openSql } from './database.mjs';
import { cpuSecondsOf } from './rss-sampler.mjs';
import { meanOf } from './stats.mjs';

/** amqplib, as the API loads it (platform-messaging's dependency). */
const requireFromMessaging = createRequire(
  new URL('../../../packages/platform-messaging/package.json', import.meta.url),
);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The RabbitMQ server's process when the broker runs on this machine (its Erlang VM, `beam.smp`,
 * running the `rabbit` application), so its CPU per request can be reported beside the API's and
 * PostgreSQL's: on a shared machine, the broker's work is taken from the same cores.
 */
function localBrokerPid(amqpUrl) {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(amqpUrl).hostname)) return undefined;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (args[0].endsWith('beam.smp') && args.includes('rabbit')) return Number(pid);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

/** Events waiting in the outbox, of `users` users in turn, as the API writes them. */
async function seedPendingEvents(sql, { count, users }) {
  await sql.query(
    `insert into event_outbox (id, type, subject, ordering_key, envelope, status, next_attempt_at, created_at)
     select id, 'latchkey.identity.user.logged_in.v1', subject, subject,
       jsonb_build_object('specversion', '1.0', 'id', id, 'source', '/latchkey/identity',
         'type', 'latchkey.identity.user.logged_in.v1', 'subject', subject, 'time', now(),
         'datacontenttype', 'application/json',
         'data', jsonb_build_object('userId', subject, 'sessionId', gen_random_uuid(), 'via', 'password')),
       'pending', now(), now()
     from (select gen_random_uuid() as id, (n % $2)::text as k, n from generate_series(1, $1::int) n) s,
       lateral (select md5(s.k)::uuid::text as subject) u`,
    [count, users],
  );
}

/** Sessions that ran out a month ago, each with its refresh token, for the clean-up to end and delete. */
async function seedExpiredSessions(sql, { count }) {
  await sql.query(
    `with owners as (select id, row_number() over (order by id) - 1 as k from accounts where email like 'bench-user-%'),
     created as (
       insert into sessions (id, user_id, user_agent, created_at, last_used_at, expires_at, idle_expires_at)
       select gen_random_uuid(), owners.id, 'latchkey-bench expired', now() - interval '40 days',
         now() - interval '40 days', now() - interval '10 days', now() - interval '33 days'
       from generate_series(1, $1::int) n join owners on owners.k = n % (select count(*) from owners)
       returning id, created_at
     )
     insert into refresh_tokens (id, session_id, token_hash, generation, created_at)
     select gen_random_uuid(), id, 'bench-expired:' || id, 0, created_at from created`,
    [count],
  );
}

/**
 * `context`: the harness's helpers and state (env, target, load, startApi, chains…). Returns the
 * phase's results, or `{ skipped }` when no RabbitMQ answers at BENCH_AMQP_URL.
 */
export async function eventsPhase(context) {
  const { env, target, database, profile, connections, loginData, log, startApi, startChild, cleanups } =
    context;
  const amqpUrl =
    process.env.BENCH_AMQP_URL ?? process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const amqp = requireFromMessaging('amqplib');
  let connection;
  try {
    connection = await amqp.connect(amqpUrl);
  } catch (error) {
    const skipped = `no RabbitMQ at BENCH_AMQP_URL (${error.message})`;
    log(`events: skipped, ${skipped}`);
    return { skipped };
  }
  cleanups.push(() => connection.close());
  const brokerPid = localBrokerPid(amqpUrl);
  const load = (scenario, url, conns, options) =>
    context.load(scenario, url, conns, { brokerPid, ...options });
  const exchange = `latchkey.events.bench-${randomUUID().slice(0, 8)}`;
  const channel = await connection.createChannel();
  // Declared as the API declares it (durable), so its own declaration agrees; deleted at the end.
  await channel.assertExchange(exchange, 'topic', { durable: true });
  cleanups.push(() => channel.deleteExchange(exchange));
  const { queue } = await channel.assertQueue('', { exclusive: true });
  await channel.bindQueue(queue, exchange, '#');
  const arrivals = { count: 0, first: 0, last: 0, ids: new Set(), duplicates: 0 };
  await channel.consume(
    queue,
    (message) => {
      const now = performance.now();
      const id = message.properties.messageId;
      if (arrivals.ids.has(id)) arrivals.duplicates += 1;
      arrivals.ids.add(id);
      arrivals.count += 1;
      if (arrivals.first === 0) arrivals.first = now;
      arrivals.last = now;
    },
    { noAck: true },
  );
  let chains = context.chains;
  const withAmqp = { ...env, AMQP_URL: amqpUrl, EVENTS_EXCHANGE: exchange, EVENTS_RELAY_POLL_MS: '200' };

  // 1. The relay alone: an outbox backlog, published by an idle API as it starts.
  const relayEvents = profile.relayEvents;
  log(`events: ${relayEvents.toLocaleString('en')} pending events of 1,000 users, relayed to RabbitMQ`);
  let sql = await openSql(target);
  // What the main measurements wrote was never published (no AMQP_URL there): without this, the
  // relay would publish it now, in the middle of what is measured.
  await sql.query('delete from event_outbox');
  // As autovacuum would, given time: a claim walks the pending index, dead entries included.
  await sql.query('vacuum analyze event_outbox');
  await seedPendingEvents(sql, { count: relayEvents, users: 1_000 });
  await sql.close();
  const started = performance.now();
  const relaying = await startApi(withAmqp);
  const cpuAtStart = cpuSecondsOf(relaying.pid);
  for (let waited = 0, seen = -1; arrivals.count < relayEvents; await sleep(50)) {
    // Fails fast when nothing moves for 30 s (a broker refusing the API, say), not at a deadline.
    waited = arrivals.count === seen ? waited + 50 : 0;
    seen = arrivals.count;
    if (waited > 30_000)
      throw new Error(`the relay published ${arrivals.count} of ${relayEvents}, then stopped`);
  }
  const relayCpuSeconds = cpuSecondsOf(relaying.pid) - cpuAtStart;
  const relay = {
    events: relayEvents,
    apiCpuMsPerEvent: Number(((relayCpuSeconds * 1000) / relayEvents).toFixed(3)),
    duplicates: arrivals.duplicates,
    users: 1_000,
    seconds: Number(((arrivals.last - arrivals.first) / 1000).toFixed(2)),
    perSecond: Math.round(relayEvents / ((arrivals.last - arrivals.first) / 1000)),
    firstAfterStartSeconds: Number(((arrivals.first - started) / 1000).toFixed(2)),
  };

  // 2. The hot endpoints with publishing on, then (a fresh API) off, one right after the other.
  const hot = async (api) => {
    const run = async (scenario, conns, data) =>
      load(scenario, api.url, conns, {
        cpuPid: api.pid,
        database: database?.name,
        ...(data ? { data } : {}),
      });
    const login = await run('login', connections.password, loginData);
    const register = await run('register', connections.password);
    const refresh = await run('refresh', connections.refresh, { chains });
    chains = refresh.state.chains;
    return { login, register, refresh: { ...refresh, state: undefined } };
  };
  await relaying.stop();
  // Off, on, off, each on a freshly started API: "off" is the mean of the two around "on", so
  // neither the order nor the machine's drift over the minute favours one side.
  const hotOn = async (apiEnv, label) => {
    log(`events: login, register, refresh ${label}`);
    const api = await startApi(apiEnv);
    try {
      return await hot(api);
    } finally {
      await api.stop();
    }
  };
  const offBefore = await hotOn(env, 'without AMQP_URL');
  // What the run without a broker wrote would otherwise be published during the next one.
  sql = await openSql(target);
  await sql.query('delete from event_outbox');
  await sql.query('vacuum analyze event_outbox');
  await sql.close();
  const before = arrivals.count;
  const on = await hotOn(withAmqp, 'with AMQP_URL set');
  await sleep(1_000);
  on.published = arrivals.count - before;
  on.duplicates = arrivals.duplicates;

  // What the broker's share is: refresh on an API without AMQP_URL while another process publishes
  // as many events a second as "on" published, to the same exchange and queue. The API does
  // nothing for them; RabbitMQ (and that publisher) take their CPU from the same cores.
  log(
    `events: refresh without AMQP_URL, RabbitMQ carrying ${Math.round(on.refresh.perSecond)} events/s from another process`,
  );
  const quietApi = await startApi(env);
  const traffic = await startChild('./ceilings/broker-traffic.mjs', {
    url: amqpUrl,
    exchange,
    perSecond: Math.round(on.refresh.perSecond),
    users: connections.refresh,
  });
  let brokerTraffic;
  try {
    const carriedBefore = arrivals.count;
    const startedAt = performance.now();
    const refresh = await load('refresh', quietApi.url, connections.refresh, {
      cpuPid: quietApi.pid,
      database: database?.name,
      data: { chains },
    });
    chains = refresh.state.chains;
    brokerTraffic = {
      perSecond: Math.round(on.refresh.perSecond),
      carriedPerSecond: Math.round(
        (arrivals.count - carriedBefore) / ((performance.now() - startedAt) / 1000),
      ),
      refresh: { ...refresh, state: undefined },
    };
  } finally {
    await traffic.stop();
    await quietApi.stop();
  }
  // The set without a broker again, averaged with the first against drift; --quick, which only
  // proves the harness, keeps the first alone.
  const offAfter = profile.eventsOffTwice ? await hotOn(env, 'without AMQP_URL, again') : undefined;
  const off = Object.fromEntries(
    ['login', 'register', 'refresh'].map((key) => [
      key,
      offAfter ? meanOf(offBefore[key], offAfter[key]) : meanOf(offBefore[key]),
    ]),
  );

  // 3. Refresh latency while the clean-up ends and deletes a backlog of expired sessions
  //    (PostgreSQL: the claim is that its batches hold no lock a refresh waits on; PGlite has one
  //    connection, so every request queues behind whatever runs).
  let cleanup;
  if (database) {
    const cleaning = await startApi({ ...env, CLEANUP_INTERVAL: '2s' });
    const quietRefresh = await load('refresh', cleaning.url, connections.refresh, {
      cpuPid: cleaning.pid,
      database: database.name,
      data: { chains },
    });
    chains = quietRefresh.state.chains;
    const backlog = profile.expiredSessions;
    log(`events: ${backlog.toLocaleString('en')} expired sessions; refresh while the clean-up removes them`);
    sql = await openSql({ ...target, poolSize: 2 });
    await seedExpiredSessions(sql, { count: backlog });
    const remaining = async () =>
      Number(
        (
          await sql.query(
            `select count(*)::int as n from sessions where user_agent = 'latchkey-bench expired'`,
          )
        )[0].n,
      );
    const window = { cleanupStart: 0, cleanupEnd: 0 };
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const left = await remaining();
        const revoked = Number(
          (
            await sql.query(
              `select count(*)::int as n from sessions where user_agent = 'latchkey-bench expired' and revoked_at is not null`,
            )
          )[0].n,
        );
        const now = performance.now();
        if (window.cleanupStart === 0 && (revoked > 0 || left < backlog)) window.cleanupStart = now;
        if (left === 0 && window.cleanupEnd === 0) window.cleanupEnd = now;
        await sleep(250);
      }
    })();
    const loadStart = performance.now();
    const during = await load('refresh', cleaning.url, connections.refresh, {
      cpuPid: cleaning.pid,
      database: database.name,
      data: { chains },
      warmupSeconds: 0,
    });
    const loadEnd = performance.now();
    chains = during.state.chains;
    for (const deadline = Date.now() + 300_000; window.cleanupEnd === 0 && Date.now() < deadline;)
      await sleep(250);
    polling = false;
    await poll;
    const left = await remaining();
    await sql.close();
    await cleaning.stop();
    const overlap =
      Math.max(
        0,
        Math.min(loadEnd, window.cleanupEnd || loadEnd) - Math.max(loadStart, window.cleanupStart),
      ) /
      (loadEnd - loadStart);
    cleanup = {
      expiredSessions: backlog,
      left,
      cleanupSeconds: window.cleanupEnd
        ? Number(((window.cleanupEnd - window.cleanupStart) / 1000).toFixed(1))
        : null,
      overlapOfRefreshWindow: Number(overlap.toFixed(2)),
      quiet: { ...quietRefresh, state: undefined },
      during: { ...during, state: undefined },
    };
  }
  return {
    relay,
    amqp: { on, off, brokerTraffic, brokerMeasured: brokerPid !== undefined },
    cleanup,
    cleanupSkipped: database ? undefined : 'PGlite: one connection, so every request queues behind any batch',
    chains,
  };
}
