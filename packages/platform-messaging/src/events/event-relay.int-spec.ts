import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { LatchkeyEvent } from '@latchkey/contracts';
import { loadPlatformConfig } from '@latchkey/platform';
import { openTestDatabase, sql, type TestDatabase } from '@latchkey/platform/testing';
import { TestClock } from '@latchkey/shared-kernel/testing';
import { platformMessagingMigrations } from '../migrations';
import { AmqpEventPublisher } from './amqp-event-publisher';
import { EventConsumer } from './event-consumer';
import { EventOutbox } from './event-outbox';
import { EventRelay } from './event-relay';

const RABBITMQ_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const quiet = { info: () => undefined, warn: () => undefined };

let ids = 0;
function anEvent(subject: string, clock: TestClock): LatchkeyEvent {
  ids += 1;
  // UUIDv7-shaped and increasing, as the application's ids are.
  const id = `0190${ids.toString(16).padStart(4, '0')}-0000-7000-8000-${randomUUID().slice(-12)}`;
  return {
    specversion: '1.0',
    id,
    source: '/latchkey/identity',
    type: 'latchkey.identity.user.email_verified.v1',
    subject,
    time: clock.now().toISOString(),
    datacontenttype: 'application/json',
    data: { userId: subject, method: 'code' },
  };
}

describe('EventOutbox', () => {
  let test: TestDatabase;
  let outbox: EventOutbox;
  const clock = new TestClock();

  beforeAll(async () => {
    test = await openTestDatabase({ streams: [platformMessagingMigrations] });
    outbox = new EventOutbox(test.database);
  });
  afterAll(() => test.dispose());
  beforeEach(() => test.database.db.execute(sql`delete from event_outbox`));

  it("leases a user's events in order, and none after one that another claim holds or that backs off", async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const [a1, a2, b1] = [anEvent(alice, clock), anEvent(alice, clock), anEvent(bob, clock)];
    await test.database.transaction(async () => {
      for (const envelope of [a1, a2, b1]) await outbox.append({ envelope, orderingKey: envelope.subject });
    });

    // One claim takes a user's events in order (the relay publishes them one after another).
    const first = await outbox.claimDue(clock.now(), 60, 10);
    expect(first.map((claimed) => [claimed.id, claimed.orderingKey])).toEqual([
      [a1.id, alice],
      [a2.id, alice],
      [b1.id, bob],
    ]);
    // Leased: nobody else gets them.
    expect(await outbox.claimDue(clock.now(), 60, 10)).toEqual([]);

    // a1 failed and backs off; a2 was released undelivered: it waits behind a1, whoever asks.
    await outbox.markFailed(a1.id, 'broker down', clock.now(), new Date(clock.now().getTime() + 5_000));
    await outbox.release([a2.id]);
    expect(await outbox.claimDue(clock.now(), 60, 10)).toEqual([]);
    clock.advanceSeconds(6);
    expect((await outbox.claimDue(clock.now(), 60, 10)).map((claimed) => claimed.id)).toEqual([a1.id, a2.id]);

    // A later event of a user whose earlier one is leased elsewhere is held back, not taken.
    const a3 = anEvent(alice, clock);
    await outbox.append({ envelope: a3, orderingKey: alice });
    expect(await outbox.claimDue(clock.now(), 60, 10)).toEqual([]);
    await outbox.markAllSent([a1.id, a2.id], clock.now());
    expect((await outbox.claimDue(clock.now(), 60, 10)).map((claimed) => claimed.id)).toEqual([a3.id]);
  });

  // Two transactions at once: PostgreSQL (PGlite has one connection).
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'claims the event of a transaction that began before later ones were claimed and committed after them',
    async () => {
      const [early, late] = [randomUUID(), randomUUID()];
      const a = anEvent(early, clock);
      let commit!: () => void;
      const committed = new Promise<void>((resolve) => (commit = resolve));
      let written!: () => void;
      const isWritten = new Promise<void>((resolve) => (written = resolve));
      // The long transaction writes first, so its position (its transaction id) is the lower one.
      const longTransaction = test.database.transaction(async () => {
        await outbox.append({ envelope: a, orderingKey: early });
        written();
        await committed;
      });
      await isWritten;
      const [b1, b2] = [anEvent(late, clock), anEvent(late, clock)];
      for (const envelope of [b1, b2]) await outbox.append({ envelope, orderingKey: late });
      // The claims move on past b1 while a's transaction is still open, and b2 is still waiting...
      expect((await outbox.claimDue(clock.now(), 60, 1)).map((claimed) => claimed.id)).toEqual([b1.id]);
      await outbox.markAllSent([b1.id], clock.now());
      commit();
      await longTransaction;
      // ...and still find a, below both, once it commits: it comes first.
      expect((await outbox.claimDue(clock.now(), 60, 10)).map((claimed) => claimed.id)).toEqual([
        a.id,
        b2.id,
      ]);
    },
  );

  it('replays published events in their order, and lists them with their delivery state', async () => {
    const user = randomUUID();
    const events = [anEvent(user, clock), anEvent(user, clock)];
    for (const envelope of events) await outbox.append({ envelope, orderingKey: user });
    for (const claimed of await outbox.claimDue(clock.now(), 60, 10))
      await outbox.markSent(claimed.id, clock.now());
    for (const claimed of await outbox.claimDue(clock.now(), 60, 10))
      await outbox.markSent(claimed.id, clock.now());
    const since = new Date(clock.now().getTime() - 60_000);
    const listed = await outbox.list({ since, types: [], subject: user, limit: 10 });
    expect(listed.map((entry) => [entry.envelope.id, entry.state])).toEqual(
      events.map((event) => [event.id, 'published']),
    );

    expect(await outbox.replay({ since, types: [], subject: user }, clock.now())).toBe(2);
    expect((await outbox.claimDue(clock.now(), 60, 10)).map((claimed) => claimed.id)).toEqual(
      events.map((event) => event.id),
    );
  });
});

describe('EventRelay and a consumer, against RabbitMQ', () => {
  let test: TestDatabase;
  const clock = new TestClock();
  const exchange = `latchkey.events.test-${randomUUID().slice(0, 8)}`;
  const config = loadPlatformConfig({
    NODE_ENV: 'test',
    AMQP_URL: RABBITMQ_URL,
    EVENTS_EXCHANGE: exchange,
    EVENTS_RELAY_POLL_MS: '60000',
  });
  const received: LatchkeyEvent[] = [];
  let consumer: EventConsumer;

  beforeAll(async () => {
    Logger.overrideLogger(false); // the relay's Nest logger, with no app to configure it
    test = await openTestDatabase({ streams: [platformMessagingMigrations] });
    consumer = new EventConsumer({
      url: RABBITMQ_URL,
      exchange,
      queue: `test-relay-${randomUUID().slice(0, 8)}`,
      bindings: ['#'],
      database: test.database,
      handle: async (event) => {
        received.push(event);
      },
    });
    await consumer.start();
  });
  afterAll(async () => {
    await consumer.stop();
    await test.dispose();
  });

  it('after a crash between the broker confirm and the mark, publishes again, and the inbox absorbs the duplicates', async () => {
    /** The relay "dies" after the broker confirmed its batch, before marking it published. */
    class CrashingOutbox extends EventOutbox {
      override async markAllSent(): Promise<void> {
        throw new Error('process killed');
      }
    }
    const user = randomUUID();
    const events = [anEvent(user, clock), anEvent(randomUUID(), clock), anEvent(randomUUID(), clock)];
    const outbox = new EventOutbox(test.database);
    for (const envelope of events) await outbox.append({ envelope, orderingKey: envelope.subject });

    const crashing = new EventRelay(
      new CrashingOutbox(test.database),
      new AmqpEventPublisher(RABBITMQ_URL, exchange, quiet),
      clock,
      config,
    );
    crashing.nudge();
    await crashing.idle();
    await crashing.onApplicationShutdown();
    await waitFor(() => received.length === 3);
    expect(await outbox.backlog()).toBe(3); // published, never marked

    // Another instance, once the dead one's lease has lapsed.
    clock.advanceSeconds(61);
    const survivor = new EventRelay(
      outbox,
      new AmqpEventPublisher(RABBITMQ_URL, exchange, quiet),
      clock,
      config,
    );
    survivor.nudge();
    await survivor.idle();
    await survivor.onApplicationShutdown();
    await waitFor(() => consumer.stats.duplicates === 3);
    await consumer.drained();

    expect(await outbox.backlog()).toBe(0);
    expect(consumer.stats).toMatchObject({ processed: 3, duplicates: 3 });
    expect(received.map((event) => event.id).sort()).toEqual(events.map((event) => event.id).sort());
  });
});

async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
