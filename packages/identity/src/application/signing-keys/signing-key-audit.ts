import { Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_LEEWAY_SECONDS, type KeyTimings, type SigningKeyState } from '../../domain/signing-key';
import { AuditLog, IdentitySettings, type KeyActor } from '../ports';

export type KeyAction = 'add' | 'import' | 'activate' | 'retire' | 'remove' | 'revoke';

/** Every key change leaves a `SigningKeyChanged` event, in the transaction of the change. */
@Injectable()
export class SigningKeyAudit {
  constructor(private readonly audit: AuditLog) {}

  record(
    actor: KeyActor,
    change: { kid: string; action: KeyAction; from: SigningKeyState | null; to: SigningKeyState | null },
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    return this.audit.record({
      type: 'SigningKeyChanged',
      userId: null,
      sessionId: null,
      meta: { ip: null, userAgent: `latchkey-${actor}`, requestId: null },
      data: { ...change, actor, ...extra },
    });
  }
}

export function keyTimingsOf(settings: IdentitySettings): KeyTimings {
  return {
    jwksCacheTtlSeconds: settings.jwksCacheTtlSeconds,
    accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
    leewaySeconds: ACCESS_TOKEN_LEEWAY_SECONDS,
  };
}
