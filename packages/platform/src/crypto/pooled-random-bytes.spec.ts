import { pooledRandomBytes } from './pooled-random-bytes';

describe('pooledRandomBytes', () => {
  it('hands out buffers of the asked size that never repeat, across many refills of the pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const bytes = pooledRandomBytes(16);
      expect(bytes).toHaveLength(16);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(20_000); // 80 refills of a 4 KiB pool; a repeat would be a reused slice
  });

  it('gives each caller its own buffer: writing to one changes no later value', () => {
    const first = pooledRandomBytes(32);
    const copy = Buffer.from(first);
    first.fill(0);
    const second = pooledRandomBytes(32);
    expect(second.equals(Buffer.alloc(32))).toBe(false);
    expect(second.equals(copy)).toBe(false);
  });

  it('looks uniform: every byte value turns up about equally often', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 4_000; i++) for (const byte of pooledRandomBytes(64)) counts[byte]!++;
    // 1,000 expected per value; a 6-sigma band around it (sd ≈ 31.6).
    for (const count of counts) expect(Math.abs(count - 1_000)).toBeLessThan(190);
  });

  it('serves sizes beyond the pool straight from the CSPRNG, and zero bytes as an empty buffer', () => {
    const big = pooledRandomBytes(10_000);
    expect(big).toHaveLength(10_000);
    expect(big.equals(Buffer.alloc(10_000))).toBe(false);
    expect(pooledRandomBytes(0)).toHaveLength(0);
    expect(() => pooledRandomBytes(-1)).toThrow(RangeError);
    expect(() => pooledRandomBytes(1.5)).toThrow(RangeError);
  });
});
