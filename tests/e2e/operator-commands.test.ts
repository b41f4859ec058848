import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the launcher is plain CommonJS
const { ensureBuilt } = require('../../scripts/operator-command.cjs') as {
  ensureBuilt(file: string, build: () => void, log?: (line: string) => void): void;
};

function run(file: string, argv: string[], command = process.execPath) {
  return new Promise<{ code: number; out: string; err: string }>((resolve) => {
    execFile(command, [file, ...argv], { cwd: ROOT, timeout: 60_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

describe('operator commands: how they are started', () => {
  it('`pnpm keys` on a fresh clone builds first and says so, instead of a stack trace', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-launcher-'));
    const file = path.join(dir, 'keys.js');
    const said: string[] = [];
    try {
      ensureBuilt(
        file,
        () => writeFileSync(file, ''),
        (line) => said.push(line),
      );
      expect(said).toEqual([expect.stringMatching(/keys\.js is not built yet: running pnpm build first/)]);
      // Built: nothing to do, nothing said.
      ensureBuilt(
        file,
        () => {
          throw new Error('must not build again');
        },
        (line) => said.push(line),
      );
      expect(said).toHaveLength(1);
      expect(() =>
        ensureBuilt(
          path.join(dir, 'other.js'),
          () => undefined,
          () => undefined,
        ),
      ).toThrow('pnpm build did not produce');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the launcher runs the built command and passes its exit code on', async () => {
    const help = await run('scripts/operator-command.cjs', ['keys', 'help']);
    expect(help).toMatchObject({ code: 0, out: expect.stringContaining('usage: pnpm keys <command>') });
    expect((await run('scripts/operator-command.cjs', ['keys'])).code).toBe(2);
    expect((await run('scripts/operator-command.cjs', ['nope'])).code).toBe(2);
  }, 60_000);

  it('the image has `latchkey …` for the same commands, since it has no pnpm', async () => {
    const help = await run('apps/api/bin/latchkey', ['sessions', 'help'], 'sh');
    expect(help).toMatchObject({ code: 0, out: expect.stringContaining('usage: pnpm sessions <command>') });
    const usage = await run('apps/api/bin/latchkey', ['nope'], 'sh');
    expect(usage).toMatchObject({
      code: 2,
      err: expect.stringContaining('usage: latchkey keys|sessions|users|audit-events|mail|events|migrate'),
    });
  }, 60_000);
});
