import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { IdentityConfig } from '../../identity-config';
import { Database } from '@latchkey/platform';
import { SigningKeyStore } from '../../application/ports';
import { EnsureSigningKey } from '../../application/signing-keys/ensure-signing-key';
import { SIGNING_KEYS_CHANNEL } from '../persistence/drizzle-signing-key-store';
import { CachedSigningKeyStore } from './cached-signing-key-store';

/**
 * Before the first request: an active signing key must exist (see EnsureSigningKey). With the
 * database store, this instance also listens for other instances' key changes, so a revocation
 * made anywhere takes effect here at once instead of after KEYS_REFRESH_SECONDS.
 */
@Injectable()
export class SigningKeyBootstrap implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SigningKeys');
  private stopListening: (() => Promise<void>) | undefined;

  constructor(
    private readonly ensureSigningKey: EnsureSigningKey,
    private readonly store: SigningKeyStore,
    private readonly database: Database,
    private readonly config: IdentityConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { key, generated } = await this.ensureSigningKey.execute();
    if (generated) {
      this.logger.warn({
        kid: key.kid,
        store: this.config.keys.store,
        msg: 'generated a development RS256 signing key',
      });
    }
    if (this.config.keys.store === 'database' && this.store instanceof CachedSigningKeyStore) {
      const store = this.store;
      this.stopListening = await this.database.listen(SIGNING_KEYS_CHANNEL, () => store.invalidate());
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopListening?.();
  }
}
