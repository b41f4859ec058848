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

  it('deletes the given keys', () => {
    const map = new TtlMap<number>(60_000, 10);
    map.set('a', 1, 0);
    map.set('b', 2, 0);
    map.delete(['a', 'z']);
    expect([map.get('a', 1), map.get('b', 1)]).toEqual([undefined, 2]);
  });

  it('does not store a fill that raced a deletion: the read may predate what the deletion undid', () => {
    const map = new TtlMap<string>(60_000, 10);
    map.set('session', 'active', 0);
    const fence = map.fence(); // a cache miss elsewhere starts its query…
    map.delete(['session']); // …a revocation commits and evicts…
    map.set('session', 'active', 1, fence); // …and the query, run before the commit, returns
    expect(map.get('session', 2)).toBeUndefined();
    // A fill that began after the deletion is stored; so is one given no fence.
    map.set('session', 'inactive', 3, map.fence());
    expect(map.get('session', 4)).toBe('inactive');
    map.delete(['other']);
    map.set('session', 'x', 5);
    expect(map.get('session', 6)).toBe('x');
  });
});
