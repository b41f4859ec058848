import { Clock } from '@latchkey/shared-kernel';
import { SigningKeyStore } from '../../application/ports';
import type { SigningKey } from '../../domain/signing-key';

/**
 * Holds the key set in memory: signing and verifying never wait on the store. The set is reread
 * when older than `refreshSeconds` (so every instance sees another's rotation within that time),
 * at once after a change made through this instance, and when told (a change notification).
 */
export class CachedSigningKeyStore extends SigningKeyStore {
  private cached: { keys: Promise<SigningKey[]>; loadedAtMs: number } | undefined;

  constructor(
    private readonly inner: SigningKeyStore,
    private readonly clock: Clock,
    private readonly refreshSeconds: number,
  ) {
    super();
  }

  list(options: { fresh?: boolean } = {}): Promise<SigningKey[]> {
    const nowMs = this.clock.now().getTime();
    const stale = !this.cached || nowMs - this.cached.loadedAtMs >= this.refreshSeconds * 1000;
    if (stale || options.fresh) {
      const keys = this.inner.list();
      this.cached = { keys, loadedAtMs: nowMs };
      // A failed read must not stick: the next call tries again.
      keys.catch(() => (this.cached = undefined));
    }
    return this.cached!.keys;
  }

  async save(keys: SigningKey[]): Promise<void> {
    await this.inner.save(keys);
    this.invalidate();
  }

  async remove(kid: string): Promise<void> {
    await this.inner.remove(kid);
    this.invalidate();
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
