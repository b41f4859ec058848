import type { SigningKey, SigningKeySource } from '../../domain/signing-key';

/** Who changed a signing key, for the audit trail. */
export type KeyActor = 'cli' | 'scheduler' | 'bootstrap';

/** Where signing keys live (files in dev; the database when several instances share them). */
export abstract class SigningKeyStore {
  /**
   * The whole key set. May be up to KEYS_REFRESH_SECONDS stale (another instance's change);
   * `fresh` rereads it, for administration and for a token whose kid is not known yet.
   */
  abstract list(options?: { fresh?: boolean }): Promise<SigningKey[]>;
  /** Writes changed keys together (activation changes two). */
  abstract save(keys: SigningKey[]): Promise<void>;
  abstract remove(kid: string): Promise<void>;
}

/** Advisory locks held until the current transaction ends. */
export abstract class TransactionLock {
  /** `false` at once when another instance holds it. */
  abstract tryAcquire(name: string): Promise<boolean>;
  /** Waits for it. */
  abstract acquire(name: string): Promise<void>;
}

/** Makes key pairs, described as `next` keys. */
export abstract class SigningKeyFactory {
  abstract generate(bits: number, source: SigningKeySource): Promise<SigningKey>;
  /** From a PEM private key (PKCS#8 or PKCS#1 RSA); refuses anything but RSA of 2048+ bits. */
  abstract fromPem(privateKeyPem: string): Promise<SigningKey>;
  abstract publicPem(key: SigningKey): string;
  /**
   * Gives up what stays behind outside the key set once a key has left it: nothing for a PEM key;
   * a KMS key is scheduled for deletion. Called after the removal is committed.
   */
  abstract release(key: SigningKey): Promise<void>;
}
