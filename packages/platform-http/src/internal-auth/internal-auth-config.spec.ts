import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EnvReader } from '@latchkey/platform';
import { readInternalAuthConfig } from './internal-auth-config';

const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

function read(env: Record<string, string>, peers = ['gateway', 'user-service']) {
  const reader = new EnvReader(env);
  const config = readInternalAuthConfig(reader, peers);
  return { config, problems: reader.problems };
}

describe('INTERNAL_AUTH_KEYS: the secrets a process shares with each peer', () => {
  it('reads a secret per peer, or a list of them (the first signs) during a rotation', () => {
    const [gateway, next, user] = [secret(), secret(), secret(48)];
    const { config, problems } = read({
      INTERNAL_AUTH_KEYS: JSON.stringify({ gateway: [next, gateway], 'user-service': user }),
    });
    expect(problems).toEqual([]);
    expect(config.peerKeys.get('gateway')).toEqual([
      Buffer.from(next, 'base64url'),
      Buffer.from(gateway, 'base64url'),
    ]);
    expect(config.peerKeys.get('user-service')).toEqual([Buffer.from(user, 'base64url')]);
  });

  it('reads them from INTERNAL_AUTH_KEYS_FILE (a mounted secret)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-internal-keys-'));
    try {
      const file = path.join(dir, 'keys.json');
      writeFileSync(file, JSON.stringify({ gateway: secret(), 'user-service': secret() }));
      const { config, problems } = read({ INTERNAL_AUTH_KEYS_FILE: file });
      expect(problems).toEqual([]);
      expect([...config.peerKeys.keys()].sort()).toEqual(['gateway', 'user-service']);
      expect(read({ INTERNAL_AUTH_KEYS_FILE: path.join(dir, 'missing.json') }).problems).toEqual([
        `INTERNAL_AUTH_KEYS_FILE: cannot be read (${path.join(dir, 'missing.json')})`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops the start when the keys are missing, malformed, short or lack a peer, naming no secret', () => {
    const short = secret(16);
    const cases: [Record<string, string>, string][] = [
      [{}, 'INTERNAL_AUTH_KEYS: is required'],
      [{ INTERNAL_AUTH_KEYS: 'not json' }, 'INTERNAL_AUTH_KEYS: must be a JSON object'],
      [{ INTERNAL_AUTH_KEYS: '[]' }, 'INTERNAL_AUTH_KEYS: must be a JSON object'],
      [
        { INTERNAL_AUTH_KEYS: JSON.stringify({ gateway: short, 'user-service': secret() }) },
        '(the key shared with gateway is not)',
      ],
      [
        { INTERNAL_AUTH_KEYS: JSON.stringify({ gateway: [], 'user-service': secret() }) },
        '(the key shared with gateway is not)',
      ],
      [
        { INTERNAL_AUTH_KEYS: JSON.stringify({ gateway: 'not base64!', 'user-service': secret() }) },
        '(the key shared with gateway is not)',
      ],
      [
        { INTERNAL_AUTH_KEYS: JSON.stringify({ gateway: secret() }) },
        'INTERNAL_AUTH_KEYS: has no key shared with user-service',
      ],
    ];
    for (const [env, problem] of cases) {
      const { problems } = read(env);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(problem);
      expect(problems[0]).not.toContain(short);
    }
  });
});
