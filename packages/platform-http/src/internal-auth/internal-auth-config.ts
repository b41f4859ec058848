import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { EnvReader } from '@latchkey/platform';

/** How a service of the services deployment signs its calls and whose calls it accepts. */
export interface InternalAuthConfig {
  /** This process's Ed25519 private key (PKCS#8 PEM). */
  privateKeyPem: string;
  /** Caller name (`gateway`, `auth-service`, `user-service`) → its Ed25519 public key (SPKI PEM). */
  trustedKeys: Record<string, string>;
}

/** Where the gateway and the services find each other. */
export interface ServiceLinks {
  authServiceUrl: string;
  userServiceUrl: string;
}

/** The value of `NAME`, or the contents of the file `NAME_FILE` names (secrets mounted as files). */
function inlineOrFile(read: EnvReader, name: string): string | undefined {
  const inline = read.optionalString(name);
  if (inline !== undefined) return inline;
  const file = read.optionalString(`${name}_FILE`);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return read.fail(`${name}_FILE`, `cannot be read (${file})`, undefined);
  }
}

/**
 * INTERNAL_AUTH_PRIVATE_KEY and INTERNAL_AUTH_TRUSTED_KEYS (or their `_FILE` forms): required by
 * every process of the services deployment; `pnpm start:services` generates a set for one machine.
 */
export function readInternalAuthConfig(read: EnvReader): InternalAuthConfig {
  // A PEM in a one-line variable (a .env file) has its line breaks written as \n.
  const privateKeyPem = inlineOrFile(read, 'INTERNAL_AUTH_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  const trustedJson = inlineOrFile(read, 'INTERNAL_AUTH_TRUSTED_KEYS');
  let trustedKeys: Record<string, string> = {};
  if (privateKeyPem === undefined)
    read.fail(
      'INTERNAL_AUTH_PRIVATE_KEY',
      'is required: this process’s Ed25519 private key (PKCS#8 PEM)',
      '',
    );
  else if (!isEd25519(() => createPrivateKey(privateKeyPem)))
    read.fail('INTERNAL_AUTH_PRIVATE_KEY', 'must be an Ed25519 private key in PKCS#8 PEM', '');
  if (trustedJson === undefined) {
    read.fail(
      'INTERNAL_AUTH_TRUSTED_KEYS',
      'is required: a JSON object of caller name → Ed25519 public key PEM',
      '',
    );
  } else {
    try {
      const parsed = JSON.parse(trustedJson) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
      const bad = Object.entries(parsed).find(
        ([, pem]) => typeof pem !== 'string' || !isEd25519(() => createPublicKey(pem)),
      );
      if (bad) throw new BadTrustedKey(bad[0]);
      trustedKeys = parsed as Record<string, string>;
    } catch (error) {
      const which = error instanceof BadTrustedKey ? ` (the key of ${error.caller})` : '';
      read.fail(
        'INTERNAL_AUTH_TRUSTED_KEYS',
        `must be a JSON object of name → Ed25519 public key PEM${which}`,
        '',
      );
    }
  }
  return { privateKeyPem: privateKeyPem ?? '', trustedKeys };
}

export function readServiceLinks(read: EnvReader): ServiceLinks {
  const url = (name: string, fallback: string) => read.optionalUrl(name, ['http:', 'https:']) ?? fallback;
  return {
    authServiceUrl: url('AUTH_SERVICE_URL', 'http://127.0.0.1:3001'),
    userServiceUrl: url('USER_SERVICE_URL', 'http://127.0.0.1:3002'),
  };
}

function isEd25519(load: () => { asymmetricKeyType?: string }): boolean {
  try {
    return load().asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

class BadTrustedKey extends Error {
  constructor(readonly caller: string) {
    super(caller);
  }
}
