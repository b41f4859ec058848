import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { Injectable } from '@nestjs/common';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { Clock } from '../../../../shared-kernel/clock';
import { SigningKeyFactory } from '../../application/ports';
import type { PublicJwk, SigningKey } from '../../domain/signing-key';

const generateRsaKeyPair = promisify(generateKeyPair);

@Injectable()
export class RsaSigningKeyFactory extends SigningKeyFactory {
  constructor(private readonly clock: Clock) {
    super();
  }

  async generate(bits: number): Promise<SigningKey> {
    const { publicKey, privateKey } = await generateRsaKeyPair('rsa', {
      modulusLength: bits,
      publicExponent: 0x10001,
    });
    const { n, e } = await exportJWK(publicKey);
    if (!n || !e) throw new Error('RSA public key export lacks n or e');
    const kid = await calculateJwkThumbprint({ kty: 'RSA', n, e }, 'sha256');
    const publicJwk: PublicJwk = { kty: 'RSA', kid, alg: 'RS256', use: 'sig', n, e };
    return {
      kid,
      state: 'next',
      createdAt: this.clock.now(),
      activatedAt: null,
      retiredAt: null,
      publicJwk,
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }
}
