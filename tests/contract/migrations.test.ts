import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';

const API = path.resolve(__dirname, '..', '..', 'apps', 'api');

describe('committed migrations', () => {
  it.each(MIGRATION_PLAN.streams.map((stream) => [stream.name, stream.folder]))(
    'of %s match its Drizzle schema: generating again finds nothing to migrate',
    (name, folder) => {
      // Generate into a scratch copy, so a drifted schema fails the test without touching the tree.
      const scratch = mkdtempSync(path.join(tmpdir(), 'latchkey-drift-'));
      try {
        cpSync(folder, scratch, { recursive: true });
        const before = readdirSync(scratch);
        const output = execFileSync('pnpm', ['exec', 'drizzle-kit', 'generate'], {
          cwd: API,
          env: { ...process.env, DRIZZLE_STREAM: name, DRIZZLE_OUT: path.relative(API, scratch) },
          encoding: 'utf8',
        });
        expect(output).toContain('No schema changes');
        expect(readdirSync(scratch)).toEqual(before);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
