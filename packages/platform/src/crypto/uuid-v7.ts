import { pooledRandomBytes } from './pooled-random-bytes';

const RANDOM_BITS = 74n; // rand_a (12 bits) and rand_b (62 bits)
const RAND_B_BITS = 62n;

/**
 * RFC 9562 UUIDv7: a millisecond timestamp then 74 random bits. Time-ordered ids keep the
 * B-tree indexes of insert-heavy tables (sessions, refresh tokens, audit) compact and hot.
 *
 * Monotonic within the process (RFC 9562 §6.2, method 2): an id made in the same millisecond as
 * the previous one (or after the clock stepped back) continues from the previous one's random
 * part plus a random increment, so ids sort in the order they were made. Several rows written
 * by one statement share a timestamp, and their ids alone say which came first.
 */
export class UuidV7 {
  private lastMillis = -1;
  private lastRandom = 0n;

  next(): string {
    const now = Date.now();
    if (now > this.lastMillis) {
      this.lastMillis = now;
      this.lastRandom = freshRandom();
    } else {
      this.lastRandom += 1n + BigInt(pooledRandomBytes(4).readUInt32BE(0));
      if (this.lastRandom >> RANDOM_BITS !== 0n) {
        // Out of random space within one millisecond: borrow the next one.
        this.lastMillis += 1;
        this.lastRandom = freshRandom();
      }
    }
    const value =
      (BigInt(this.lastMillis) << 80n) |
      (0x7n << 76n) | // version 7
      ((this.lastRandom >> RAND_B_BITS) << 64n) |
      (0x2n << 62n) | // variant 10
      (this.lastRandom & ((1n << RAND_B_BITS) - 1n));
    const hex = value.toString(16).padStart(32, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

/** 73 random bits: the top bit of the 74 starts clear, leaving room for the increments. */
function freshRandom(): bigint {
  return BigInt(`0x${pooledRandomBytes(10).toString('hex')}`) & ((1n << (RANDOM_BITS - 1n)) - 1n);
}
