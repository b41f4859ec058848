/** The identity policy values, bound from configuration by the module. */
export abstract class IdentitySettings {
  abstract readonly accessTokenTtlSeconds: number;
  abstract readonly refreshTokenTtlSeconds: number;
  abstract readonly sessionMaxAgeSeconds: number;
  abstract readonly refreshReuseGraceSeconds: number;
  abstract readonly passwordMinLength: number;
  abstract readonly passwordResetTtlSeconds: number;
  abstract readonly emailVerificationTtlSeconds: number;
  abstract readonly verificationResendCooldownSeconds: number;
  abstract readonly registerUniformResponse: boolean;
  abstract readonly jwksCacheTtlSeconds: number;
  abstract readonly rsaBits: number;
  /** Unset: no scheduled rotation. */
  abstract readonly keyRotationIntervalSeconds: number | undefined;
  /** Production never signs with a key it generated for itself at start-up. */
  abstract readonly production: boolean;
  /** How long audit events are kept; unset: forever. */
  abstract readonly auditRetentionSeconds: number | undefined;
}
