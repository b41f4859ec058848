import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Contract, SPEC_FILE } from '../support/contract';

describe('docs/openapi.yaml examples', () => {
  it('every JSON request and response of every operation has an example its schema accepts', () => {
    expect(new Contract().exampleProblems()).toEqual([]);
  });

  it('reports an example its schema refuses, and a response without one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-spec-'));
    try {
      const broken = readFileSync(SPEC_FILE, 'utf8')
        // The login example's deviceId becomes a number; the 201 of sign-up loses its example.
        .replace('deviceId: ada-pixel-8', 'deviceId: 8')
        .replace(
          /( {14}schema: \{ \$ref: '#\/components\/schemas\/SignUpResponse' \}\n)( {14}example:\n(?: {16}.*\n)+)/,
          '$1',
        );
      const file = path.join(dir, 'openapi.yaml');
      writeFileSync(file, broken);
      expect(new Contract(file).exampleProblems()).toEqual([
        expect.stringMatching(/^POST \/v1\/auth\/login request \(.+\): example .*deviceId must be string/),
        expect.stringMatching(/^POST \/v1\/auth\/signup → 201 \(.+\): no example$/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
