import { randomBytes } from 'node:crypto';
import { argon2id, hash, type HashOptions, needsRehash, verify } from 'argon2';
import { PasswordHasher } from '../../application/ports';
import { Semaphore } from './semaphore';

export interface Argon2Parameters {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  maxConcurrency: number;
}

/**
 * argon2id. Hashes run on libuv's thread pool, which jose and fs share: a semaphore caps how many
 * run at once, so a login burst queues here instead of stalling token signing for everyone else.
 */
export class Argon2PasswordHasher extends PasswordHasher {
  private readonly options: HashOptions & { raw?: false };
  private readonly semaphore: Semaphore;
  /** A hash with today's parameters, so the wasted verification costs what a real one does. */
  private readonly dummyHash: Promise<string>;

  constructor(parameters: Argon2Parameters) {
    super();
    this.options = {
      type: argon2id,
      memoryCost: parameters.memoryKib,
      timeCost: parameters.timeCost,
      parallelism: parameters.parallelism,
    };
    this.semaphore = new Semaphore(parameters.maxConcurrency);
    // Computed at start-up: made lazily, the first unknown-email login would cost an extra hash.
    this.dummyHash = this.hash(randomBytes(32).toString('base64url'));
  }

  hash(plain: string): Promise<string> {
    return this.semaphore.run(() => hash(plain, this.options));
  }

  async verify(stored: string, plain: string): Promise<{ ok: boolean; needsRehash: boolean }> {
    let ok: boolean;
    try {
      ok = await this.semaphore.run(() => verify(stored, plain));
    } catch {
      return { ok: false, needsRehash: false }; // an unparsable stored hash never authenticates
    }
    return { ok, needsRehash: ok && needsRehash(stored, this.options) };
  }

  async verifyDummy(plain: string): Promise<void> {
    await this.verify(await this.dummyHash, plain);
  }
}
