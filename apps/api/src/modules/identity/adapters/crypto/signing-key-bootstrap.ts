import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../../../platform/config/app-config';
import { EnsureSigningKey } from '../../application/ensure-signing-key';

/** Makes sure a signing key exists before the first request is served. */
@Injectable()
export class SigningKeyBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('SigningKeys');

  constructor(
    private readonly ensureSigningKey: EnsureSigningKey,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { key, generated } = await this.ensureSigningKey.execute(this.config.keys.rsaBits);
    if (generated) {
      this.logger.warn({ kid: key.kid, dir: this.config.keys.dir, msg: 'generated a new RS256 signing key' });
    }
  }
}
