// The services deployment's internal keys for one machine or one compose stack: a secret per pair
// of processes that talk (the gateway and each service, the two services), made once and kept in a
// directory, and each process's INTERNAL_AUTH_KEYS (decision 0013, docs/security.md "Internal
// authentication"). `pnpm start:services` calls it for DATA_DIR/internal-keys;
// `docker compose --profile services` runs it once into the stack's key volume:
//   node scripts/internal-keys.cjs <dir>
// It writes <a>+<b>.key for each pair and <name>.keys.json (the INTERNAL_AUTH_KEYS of that process),
// all mode 0600, and never replaces a secret that exists. In production each process gets its own
// keys from a secret store instead.
const { randomBytes } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const SERVICES = ['auth-service', 'user-service', 'gateway'];
/** Who talks with whom: the gateway calls both services, and they call each other. */
const PAIRS = [
  ['auth-service', 'gateway'],
  ['gateway', 'user-service'],
  ['auth-service', 'user-service'],
];
/** 256 bits, as RFC 7518 §3.2 asks of an HS256 key. */
const SECRET_BYTES = 32;

/** Each pair's secret (base64url), by `<a>+<b>`, made on the first call and read back on the next ones. */
function ensureInternalKeys(dir) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return Object.fromEntries(
    PAIRS.map((pair) => {
      const name = pair.join('+');
      const file = path.join(dir, `${name}.key`);
      if (!existsSync(file))
        writeFileSync(file, randomBytes(SECRET_BYTES).toString('base64url'), { mode: 0o600, flag: 'wx' });
      return [name, readFileSync(file, 'utf8').trim()];
    }),
  );
}

/** INTERNAL_AUTH_KEYS of `name`: peer → the secret it shares with that peer. */
function internalKeysOf(keys, name) {
  return JSON.stringify(
    Object.fromEntries(
      PAIRS.filter((pair) => pair.includes(name)).map((pair) => [
        pair.find((peer) => peer !== name),
        keys[pair.join('+')],
      ]),
    ),
  );
}

module.exports = { SERVICES, ensureInternalKeys, internalKeysOf };

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node scripts/internal-keys.cjs <dir>\n');
    process.exit(2);
  }
  const keys = ensureInternalKeys(path.resolve(dir));
  for (const name of SERVICES)
    writeFileSync(path.join(dir, `${name}.keys.json`), internalKeysOf(keys, name), { mode: 0o600 });
  process.stdout.write(`internal keys of ${SERVICES.join(', ')} are in ${dir}\n`);
}
