import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Keeps the disk busy while a timing is taken: another process writes 12 MB and syncs it, over
 * and over, as the other suites of a CI run do when they create databases. A commit that waits
 * for its log to reach the disk then waits milliseconds, where on an idle disk it waits a fraction
 * of one, so a transaction that commits without that wait (it wrote nothing) shows as a timing
 * difference. Stop it before reading other timings.
 */
export function busyDisk(): { stop(): Promise<void> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-busy-disk-'));
  const writer = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('node:fs');
       const file = require('node:path').join(process.argv[1], 'busy');
       const chunk = Buffer.alloc(12 * 1024 * 1024, 1);
       const parent = Number(process.argv[2]);
       for (;;) {
         // Orphaned (the test process died without stopping it): stop writing.
         try { process.kill(parent, 0); } catch { process.exit(0); }
         const fd = fs.openSync(file, 'w'); fs.writeSync(fd, chunk); fs.fsyncSync(fd); fs.closeSync(fd);
       }`,
      dir,
      String(process.pid),
    ],
    { stdio: 'ignore' },
  );
  return {
    async stop() {
      if (writer.exitCode === null && writer.signalCode === null) {
        const exited = new Promise((resolve) => writer.once('exit', resolve));
        writer.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
