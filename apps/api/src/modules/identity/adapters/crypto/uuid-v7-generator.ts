import { randomBytes } from 'node:crypto';
import { IdGenerator } from '../../application/ports';

/**
 * RFC 9562 UUIDv7: a millisecond timestamp then 74 random bits. Time-ordered ids keep the
 * B-tree indexes of insert-heavy tables (sessions, refresh tokens, audit) compact and hot.
 */
export class UuidV7Generator extends IdGenerator {
  next(): string {
    const bytes = randomBytes(16);
    const millis = BigInt(Date.now());
    for (let i = 0; i < 6; i++) bytes[i] = Number((millis >> BigInt(8 * (5 - i))) & 0xffn);
    bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
    bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}
