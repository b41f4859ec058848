import { readFileSync } from 'node:fs';
import type { EnvReader } from '@latchkey/platform';
import { INTERNAL_KEY_MIN_BYTES } from './internal-tokens';

/** How a process of the services deployment authenticates its calls and checks its callers'. */
export interface InternalAuthConfig {
  /**
   * Peer name (`gateway`, `auth-service`, `user-service`) → the secrets this process shares with
   * it: the first signs, the others are still accepted (a rotation in progress).
   */
  peerKeys: ReadonlyMap<string, readonly Buffer[]>;
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

const KEYS = 'INTERNAL_AUTH_KEYS';
const KEYS_FORMAT = `a JSON object of peer name → a secret of at least ${INTERNAL_KEY_MIN_BYTES} random bytes in base64url, or a list of them, the first signing`;

/**
 * INTERNAL_AUTH_KEYS (or INTERNAL_AUTH_KEYS_FILE): required by every process of the services
 * deployment, with a key for each of `peers` (those it calls or is called by), so a missing one
 * stops the start rather than a request; `pnpm start:services` generates a set for one machine
 * (scripts/internal-keys.cjs).
 */
export function readInternalAuthConfig(read: EnvReader, peers: readonly string[]): InternalAuthConfig {
  const json = inlineOrFile(read, KEYS);
  const peerKeys = new Map<string, Buffer[]>();
  if (json === undefined) {
    // An unreadable INTERNAL_AUTH_KEYS_FILE has been named already.
    if (read.optionalString(`${KEYS}_FILE`) === undefined)
      read.fail(KEYS, `is required: ${KEYS_FORMAT}`, undefined);
    return { peerKeys };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    read.fail(KEYS, `must be ${KEYS_FORMAT}`, undefined);
    return { peerKeys };
  }
  for (const [peer, value] of Object.entries(parsed)) {
    const secrets = (Array.isArray(value) ? value : [value]).map(secretOf);
    if (secrets.length === 0 || secrets.some((secret) => secret === undefined)) {
      // The variable and the peer are named; the value, a secret, never is.
      read.fail(KEYS, `must be ${KEYS_FORMAT} (the key shared with ${peer} is not)`, undefined);
      continue;
    }
    peerKeys.set(peer, secrets as Buffer[]);
  }
  const missing = peers.filter((peer) => !Object.hasOwn(parsed, peer));
  if (missing.length > 0) read.fail(KEYS, `has no key shared with ${missing.join(', ')}`, undefined);
  return { peerKeys };
}

/** The secret's bytes: base64url (unpadded or padded) of at least INTERNAL_KEY_MIN_BYTES. */
function secretOf(value: unknown): Buffer | undefined {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+={0,2}$/.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.length >= INTERNAL_KEY_MIN_BYTES ? bytes : undefined;
}

export function readServiceLinks(read: EnvReader): ServiceLinks {
  const url = (name: string, fallback: string) => read.optionalUrl(name, ['http:', 'https:']) ?? fallback;
  return {
    authServiceUrl: url('AUTH_SERVICE_URL', 'http://127.0.0.1:3001'),
    userServiceUrl: url('USER_SERVICE_URL', 'http://127.0.0.1:3002'),
  };
}
