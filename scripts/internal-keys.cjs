// The services deployment's internal keys for one machine or one compose stack: an Ed25519 pair
// per process, made once and kept in a directory, and what each process trusts (decision 0012,
// docs/security.md "Internal authentication"). `pnpm start:services` calls it for DATA_DIR/internal-keys;
// `docker compose --profile services` runs it once into the stack's key volume:
//   node scripts/internal-keys.cjs <dir>
// It writes <name>.pem (private, mode 0600), <name>.pub.pem, and trusted-by-<name>.json (the
// INTERNAL_AUTH_TRUSTED_KEYS of that process) and never replaces a key that exists. In production
// each process gets its own key from a secret store instead.
const { generateKeyPairSync } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const SERVICES = ['auth-service', 'user-service', 'gateway'];
/** Who may call whom: the gateway calls both services, and they call each other. */
const TRUST = {
  'auth-service': ['gateway', 'user-service'],
  'user-service': ['gateway', 'auth-service'],
  gateway: [],
};

/** Each process's pair, made on the first call and read back on the next ones. */
function ensureInternalKeys(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Object.fromEntries(
    SERVICES.map((name) => {
      const privateFile = path.join(dir, `${name}.pem`);
      const publicFile = path.join(dir, `${name}.pub.pem`);
      if (!existsSync(privateFile) || !existsSync(publicFile)) {
        const { publicKey, privateKey } = generateKeyPairSync('ed25519');
        writeFileSync(privateFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
        writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644 });
      }
      return [
        name,
        { privatePem: readFileSync(privateFile, 'utf8'), publicPem: readFileSync(publicFile, 'utf8') },
      ];
    }),
  );
}

/** INTERNAL_AUTH_TRUSTED_KEYS of `name`: the public keys of the processes that may call it. */
function trustedKeysOf(keys, name) {
  return JSON.stringify(Object.fromEntries(TRUST[name].map((caller) => [caller, keys[caller].publicPem])));
}

module.exports = { SERVICES, ensureInternalKeys, trustedKeysOf };

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node scripts/internal-keys.cjs <dir>\n');
    process.exit(2);
  }
  const keys = ensureInternalKeys(path.resolve(dir));
  for (const name of SERVICES)
    writeFileSync(path.join(dir, `trusted-by-${name}.json`), trustedKeysOf(keys, name), { mode: 0o644 });
  process.stdout.write(`internal keys of ${SERVICES.join(', ')} are in ${dir}\n`);
}
