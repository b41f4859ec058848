import { UuidV7 } from '@latchkey/platform';
import { IdGenerator } from '../../application/ports';

/** Identity's ids: RFC 9562 UUIDv7, time-ordered (see UuidV7). */
export class UuidV7Generator extends IdGenerator {
  private readonly ids = new UuidV7();

  next(): string {
    return this.ids.next();
  }
}
