import { Injectable } from '@nestjs/common';
import { Clock } from '@latchkey/shared-kernel';
import {
  isPublished,
  removableAt,
  type SigningKeySource,
  type SigningKeyState,
} from '../../domain/signing-key';
import { IdentitySettings, SigningKeyStore } from '../ports';
import { keyTimingsOf } from './signing-key-audit';

export interface SigningKeyView {
  kid: string;
  state: SigningKeyState;
  source: SigningKeySource;
  published: boolean;
  createdAt: Date;
  activatedAt: Date | null;
  retiredAt: Date | null;
  revokedAt: Date | null;
  /** When `remove` will accept it, if it may ever be removed. */
  removableAt: Date | null;
  /** The AWS KMS key holding its private half, when KMS holds it. */
  kmsKeyId?: string;
}

@Injectable()
export class ListSigningKeys {
  constructor(
    private readonly store: SigningKeyStore,
    private readonly settings: IdentitySettings,
    private readonly clock: Clock,
  ) {}

  async execute(): Promise<SigningKeyView[]> {
    const timings = keyTimingsOf(this.settings);
    return (await this.store.list({ fresh: true })).map((key) => ({
      kid: key.kid,
      state: key.state,
      source: key.source,
      published: isPublished(key),
      createdAt: key.createdAt,
      activatedAt: key.activatedAt,
      retiredAt: key.retiredAt,
      revokedAt: key.revokedAt,
      removableAt: removableAt(key, timings) ?? null,
      ...(key.kmsKeyId === undefined ? {} : { kmsKeyId: key.kmsKeyId }),
    }));
  }
}
