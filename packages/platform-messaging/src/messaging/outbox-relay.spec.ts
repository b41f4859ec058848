import { TestClock } from '@latchkey/shared-kernel/testing';
import { DeliveryFailed, OutboxRelay, type RelayedItem, type RelaySource } from './outbox-relay';

interface Item extends RelayedItem {
  body: string;
}

/** An outbox in memory with the table's rules: due rows only, a lease hides a claimed row. */
class MemorySource implements RelaySource<Item> {
  readonly rows = new Map<
    string,
    Item & { status: 'pending' | 'sent' | 'failed'; dueAt: number; lockedUntil: number; lastError?: string }
  >();
  purges: Date[] = [];

  add(id: string, now: Date): void {
    this.rows.set(id, {
      id,
      attempts: 0,
      body: `body-${id}`,
      status: 'pending',
      dueAt: now.getTime(),
      lockedUntil: 0,
    });
  }
  claimDue(now: Date, leaseSeconds: number, limit: number): Promise<Item[]> {
    const due = [...this.rows.values()]
      .filter(
        (row) => row.status === 'pending' && row.dueAt <= now.getTime() && row.lockedUntil <= now.getTime(),
      )
      .slice(0, limit);
    for (const row of due) row.lockedUntil = now.getTime() + leaseSeconds * 1000;
    return Promise.resolve(due.map(({ id, attempts, body }) => ({ id, attempts, body })));
  }
  markSent(id: string): Promise<void> {
    const row = this.rows.get(id)!;
    Object.assign(row, { status: 'sent', attempts: row.attempts + 1, lockedUntil: 0 });
    return Promise.resolve();
  }
  markFailed(id: string, reason: string, _now: Date, retryAt: Date | undefined): Promise<void> {
    const row = this.rows.get(id)!;
    Object.assign(row, {
      attempts: row.attempts + 1,
      lastError: reason,
      lockedUntil: 0,
      ...(retryAt ? { dueAt: retryAt.getTime() } : { status: 'failed' }),
    });
    return Promise.resolve();
  }
  purgeSettledBefore(cutoff: Date): Promise<void> {
    this.purges.push(cutoff);
    return Promise.resolve();
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const retry = { maxAttempts: 3, retryBaseSeconds: 10, retryMaxSeconds: 25 };

function relayOver(source: MemorySource, deliver: (item: Item) => Promise<void>, clock: TestClock) {
  return new OutboxRelay<Item>({
    what: 'test',
    source,
    deliver,
    describe: (item) => ({ id: item.id }),
    retry,
    clock,
    log: silent,
    batch: 2,
    random: () => 0.5,
  });
}

describe('OutboxRelay', () => {
  it('delivers every due row, batch after batch, and marks each sent', async () => {
    const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    const source = new MemorySource();
    for (const id of ['a', 'b', 'c', 'd', 'e']) source.add(id, clock.now());
    const delivered: string[] = [];
    const relay = relayOver(source, (item) => Promise.resolve(void delivered.push(item.body)), clock);
    relay.nudge();
    await relay.idle();
    expect(delivered).toEqual(['body-a', 'body-b', 'body-c', 'body-d', 'body-e']);
    expect([...source.rows.values()].every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
  });

  it('retries a failed delivery with jittered, capped backoff, then gives up after maxAttempts', async () => {
    const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    const source = new MemorySource();
    source.add('a', clock.now());
    const relay = relayOver(source, () => Promise.reject(new Error('ECONNREFUSED')), clock);
    const start = clock.now().getTime();

    relay.nudge();
    await relay.idle();
    // attempt 1 failed: ceiling 10 s, half fixed + half of 0.5 random → 7.5 s
    expect(source.rows.get('a')).toMatchObject({ status: 'pending', attempts: 1, dueAt: start + 7_500 });
    clock.advanceSeconds(8);
    relay.nudge();
    await relay.idle();
    // attempt 2: ceiling min(25, 20) = 20 s → 15 s after now
    expect(source.rows.get('a')).toMatchObject({ attempts: 2, dueAt: clock.now().getTime() + 15_000 });
    clock.advanceSeconds(15);
    relay.nudge();
    await relay.idle();
    expect(source.rows.get('a')).toMatchObject({ status: 'failed', attempts: 3, lastError: 'ECONNREFUSED' });
  });

  it('gives up at once on a permanent failure', async () => {
    const clock = new TestClock();
    const source = new MemorySource();
    source.add('a', clock.now());
    const relay = relayOver(
      source,
      () => Promise.reject(new DeliveryFailed('550 no such user', true)),
      clock,
    );
    relay.nudge();
    await relay.idle();
    expect(source.rows.get('a')).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: '550 no such user',
    });
  });

  it('goes round once more when nudged during a pass, so a row queued meanwhile is not left to the poll', async () => {
    const clock = new TestClock();
    const source = new MemorySource();
    source.add('a', clock.now());
    const delivered: string[] = [];
    const relay = relayOver(
      source,
      async (item) => {
        delivered.push(item.id);
        if (item.id === 'a') {
          source.add('b', clock.now());
          relay.nudge();
        }
      },
      clock,
    );
    relay.nudge();
    await relay.idle();
    expect(delivered).toEqual(['a', 'b']);
  });

  it('nudgeDelayMs: a nudge during a pass waits for it to end and for the delay, so the rows of the moment share a claim', async () => {
    const clock = new TestClock();
    const source = new MemorySource();
    const claims: string[][] = [];
    const claimDue = source.claimDue.bind(source);
    source.claimDue = async (now, leaseSeconds, limit) => {
      const claimed = await claimDue(now, leaseSeconds, limit);
      if (claimed.length > 0) claims.push(claimed.map((item) => item.id));
      return claimed;
    };
    const relay = new OutboxRelay<Item>({
      what: 'test',
      source,
      deliver: (item) => {
        if (item.id === 'a') {
          // Committed while the pass runs, and another right after it ends (well inside the delay).
          source.add('b', clock.now());
          relay.nudge();
          setTimeout(() => {
            source.add('c', clock.now());
            relay.nudge();
          }, 20);
        }
        return Promise.resolve();
      },
      describe: (item) => ({ id: item.id }),
      retry,
      clock,
      log: silent,
      batch: 10,
      nudgeDelayMs: 200,
    });
    source.add('a', clock.now());
    relay.nudge();
    await relay.idle();
    expect(claims).toEqual([['a'], ['b', 'c']]);
  });

  it('purges settled rows past retention at most hourly, and starts no pass once stopped', async () => {
    const clock = new TestClock(new Date('2026-01-08T00:00:00Z'));
    const source = new MemorySource();
    const relay = relayOver(source, () => Promise.resolve(), clock);
    relay.nudge();
    await relay.idle();
    relay.nudge();
    await relay.idle();
    expect(source.purges).toEqual([new Date('2026-01-01T00:00:00Z')]);
    clock.advanceSeconds(3600);
    relay.nudge();
    await relay.idle();
    expect(source.purges).toHaveLength(2);
    await relay.stop();
    source.add('late', clock.now());
    relay.nudge();
    await relay.idle();
    expect(source.rows.get('late')).toMatchObject({ status: 'pending' });
  });

  it('pauseOnFailure: after a failed pass it ignores nudges until its own backoff has passed, then resumes', async () => {
    const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    const source = new MemorySource();
    for (const id of ['a', 'b']) source.add(id, clock.now());
    let down = true;
    let attempts = 0;
    const relay = new OutboxRelay<Item>({
      what: 'test',
      source,
      deliver: () => {
        attempts += 1;
        return down ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve();
      },
      describe: (item) => ({ id: item.id }),
      retry: { maxAttempts: Number.MAX_SAFE_INTEGER, retryBaseSeconds: 10, retryMaxSeconds: 25 },
      clock,
      log: silent,
      batch: 10,
      random: () => 0.5,
      pauseOnFailure: true,
    });
    relay.nudge();
    await relay.idle();
    expect(attempts).toBe(2);
    // Paused (half fixed, half random: 7.5 s): every commit's nudge is ignored meanwhile.
    source.add('c', clock.now());
    relay.nudge();
    await relay.idle();
    expect(attempts).toBe(2);

    down = false;
    clock.advanceSeconds(8);
    relay.nudge();
    await relay.idle();
    expect(source.rows.get('c')).toMatchObject({ status: 'sent' });
    // The failed rows keep their own backoff (10 s doubling): they go once it has passed.
    clock.advanceSeconds(10);
    relay.nudge();
    await relay.idle();
    expect([...source.rows.values()].map((row) => row.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('concurrent: delivers a batch side by side and settles it in one call when the source can', async () => {
    const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    const source = new MemorySource();
    const settled: string[][] = [];
    const batched = Object.assign(source, {
      markAllSent: async (ids: string[]) => {
        settled.push(ids);
        for (const id of ids) await source.markSent(id);
      },
    });
    for (const id of ['a', 'b', 'c']) source.add(id, clock.now());
    let inFlight = 0;
    let most = 0;
    const relay = new OutboxRelay<Item>({
      what: 'test',
      source: batched,
      deliver: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
      },
      describe: (item) => ({ id: item.id }),
      retry,
      clock,
      log: silent,
      batch: 10,
      concurrent: true,
    });
    relay.nudge();
    await relay.idle();
    expect(most).toBe(3);
    expect(settled).toEqual([['a', 'b', 'c']]);
  });
});
