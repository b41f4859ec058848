import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { EmbeddedDataLock, EmbeddedDatabaseInUse } from './embedded-data-lock';

describe('EmbeddedDataLock', () => {
  let dir: string;
  let file: string;
  const claim = (holder = 'pnpm keys add') => EmbeddedDataLock.acquire(dir, file, holder);
  const writeClaim = (record: Record<string, unknown>, ageSeconds = 0) => {
    writeFileSync(file, JSON.stringify({ token: 'theirs', host: hostname(), since: 'then', ...record }));
    const at = new Date(Date.now() - ageSeconds * 1000);
    utimesSync(file, at, at);
  };
  /** A pid that ran and has exited. */
  const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-lock-'));
    file = path.join(dir, 'pglite.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is exclusive until released, also within one process', () => {
    const lock = claim('the Latchkey API');
    expect(() => claim()).toThrow(EmbeddedDatabaseInUse);
    expect(() => claim()).toThrow(`in use by the Latchkey API (pid ${process.pid}`);
    lock.release();
    expect(existsSync(file)).toBe(false);
    claim().release();
  });

  it('refuses while another live process on this host holds it, and says what to do', () => {
    writeClaim({ pid: process.ppid, holder: 'the Latchkey API' });
    const refusal = (() => {
      try {
        claim();
      } catch (error) {
        return error as EmbeddedDatabaseInUse;
      }
      throw new Error('acquired a held lock');
    })();
    expect(refusal.message).toContain(`in use by the Latchkey API (pid ${process.ppid}, since then)`);
    expect(refusal.message).toContain('Stop that process and run this again, or set DATABASE_URL');
    expect(refusal.message).toContain(`delete ${file}`);
    expect(readFileSync(file, 'utf8')).toContain('theirs');
  });

  it('takes over a claim whose process has exited', () => {
    writeClaim({ pid: deadPid() });
    const lock = claim();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      pid: process.pid,
      holder: 'pnpm keys add',
    });
    lock.release();
  });

  it('takes over a claim left by an earlier run with this very pid (pid 1 in a restarted container)', () => {
    writeClaim({ pid: process.pid });
    claim().release();
  });

  it('respects a fresh claim from another host (a shared volume), and takes over one left for 30 s', () => {
    writeClaim({ pid: process.ppid, host: 'elsewhere' });
    expect(() => claim()).toThrow(`pid ${process.ppid} on elsewhere`);
    writeClaim({ pid: process.ppid, host: 'elsewhere' }, 31);
    claim().release();
  });

  it('takes over a live pid whose claim was not refreshed for 30 s (a reused pid)', () => {
    writeClaim({ pid: process.ppid }, 31);
    claim().release();
  });

  it('does not delete a claim that is no longer its own', () => {
    const lock = claim();
    writeClaim({ pid: process.ppid });
    lock.release();
    expect(readFileSync(file, 'utf8')).toContain('theirs');
  });
});
