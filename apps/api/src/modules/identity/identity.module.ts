import { Module } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config';
import { EnsureSigningKey } from './application/ensure-signing-key';
import { GetJwks } from './application/get-jwks';
import { SigningKeyFactory, SigningKeyStore } from './application/ports';
import { FileSigningKeyStore } from './adapters/crypto/file-signing-key-store';
import { RsaSigningKeyFactory } from './adapters/crypto/rsa-signing-key-factory';
import { SigningKeyBootstrap } from './adapters/crypto/signing-key-bootstrap';
import { JwksController } from './adapters/http/jwks.controller';

@Module({
  controllers: [JwksController],
  providers: [
    {
      provide: SigningKeyStore,
      useFactory: (config: AppConfig) => new FileSigningKeyStore(config.keys.dir),
      inject: [AppConfig],
    },
    { provide: SigningKeyFactory, useClass: RsaSigningKeyFactory },
    EnsureSigningKey,
    GetJwks,
    SigningKeyBootstrap,
  ],
})
export class IdentityModule {}
