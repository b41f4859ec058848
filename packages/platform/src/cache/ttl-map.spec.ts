import { TtlMap } from './ttl-map';

describe('TtlMap', () => {
  it('answers until ttlMs after the entry was set, then forgets it', () => {
    const map = new TtlMap<string>(1_000, 10);
    map.set('a', 'x', 5_000);
    expect(map.get('a', 5_999)).toBe('x');
    expect(map.get('a', 6_000)).toBeUndefined();
    expect(map.size).toBe(0);
  });

  it('drops the oldest entry when full, and a reset keeps its place bounded', () => {
    const map = new TtlMap<number>(60_000, 2);
    map.set('a', 1, 0);
    map.set('b', 2, 0);
    map.set('b', 3, 0); // an existing key: nothing is dropped
    expect(map.get('a', 1)).toBe(1);
    map.set('c', 4, 0);
    expect(map.get('a', 1)).toBeUndefined();
    expect([map.get('b', 1), map.get('c', 1), map.size]).toEqual([3, 4, 2]);
  });

  it('lets expired entries go as new ones are set, though nobody reads them again', () => {
    const map = new TtlMap<number>(1_000, 1_000);
    for (let i = 0; i < 50; i++) map.set(`old-${i}`, i, 0);
    map.set('old-0', 0, 500); // set again: it now expires after the others
    for (let i = 0; i < 30; i++) map.set(`new-${i}`, i, 1_200);
    // The 49 that expired at 1,000 are gone (two per set); old-0 lives until 1,500.
    expect(map.size).toBe(31);
    expect(map.get('old-0', 1_200)).toBe(0);
  });

  it('deletes the given keys', () => {
    const map = new TtlMap<number>(60_000, 10);
    map.set('a', 1, 0);
    map.set('b', 2, 0);
    map.delete(['a', 'z']);
    expect([map.get('a', 1), map.get('b', 1)]).toEqual([undefined, 2]);
  });

  it('does not store a load that raced a deletion: the read may predate what the deletion undid', async () => {
    const map = new TtlMap<string>(60_000, 10);
    // A cache miss starts its query; a revocation commits and evicts; the query, run before the
    // commit, returns.
    const raced = await map.through('session', 1, async () => {
      map.delete(['session']);
      return 'active';
    });
    expect(raced).toBe('active'); // answered…
    expect(map.get('session', 2)).toBeUndefined(); // …but not remembered
    // A load that began after the deletion is stored, and then answers without loading.
    await map.through('session', 3, async () => 'inactive');
    expect(map.get('session', 4)).toBe('inactive');
    await expect(map.through('session', 4, async () => 'reloaded')).resolves.toBe('inactive');
    // A failed load remembers nothing.
    await expect(map.through('other', 5, () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(map.get('other', 6)).toBeUndefined();
  });
});
