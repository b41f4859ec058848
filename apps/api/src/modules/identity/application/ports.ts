import type { SigningKey } from '../domain/signing-key';

/** Where signing keys live (files in dev; Postgres when several instances share them). */
export abstract class SigningKeyStore {
  abstract list(): Promise<SigningKey[]>;
  abstract save(key: SigningKey): Promise<void>;
}

/** Generates a fresh RSA key pair, already described as a `next` key. */
export abstract class SigningKeyFactory {
  abstract generate(bits: number): Promise<SigningKey>;
}
