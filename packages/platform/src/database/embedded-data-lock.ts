import { randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/** The holder refreshes the file's mtime this often; a lock not refreshed for STALE_MS is abandoned. */
const HEARTBEAT_MS = 5_000;
const STALE_MS = 30_000;

interface LockRecord {
  token: string;
  pid: number;
  host: string;
  holder: string;
  since: string;
}

/** Locks this process holds, by file: a second open of the same directory here is refused too. */
const heldHere = new Map<string, string>();

/**
 * PGlite is one process's database: two processes opening one data directory each keep their own
 * copy in memory, so one's writes never reach the other and the last to flush overwrites the files
 * (an operator command run beside `pnpm start` printed success and its grant vanished; `keys`
 * aborted inside the engine). Refused before any byte of the directory is read.
 */
export class EmbeddedDatabaseInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly lockFile: string,
    readonly owner: Pick<LockRecord, 'pid' | 'host' | 'holder' | 'since'>,
  ) {
    const where = owner.host === hostname() ? `pid ${owner.pid}` : `pid ${owner.pid} on ${owner.host}`;
    super(
      `the embedded database in ${dataDir} is in use by ${owner.holder} (${where}, since ${owner.since}). ` +
        'PGlite serves one process at a time: a second one would not see its writes, and its own would be lost. ' +
        'Stop that process and run this again, or set DATABASE_URL to a PostgreSQL server, which the API and ' +
        `the operator commands can share. (If no such process is running, delete ${lockFile}.)`,
    );
    this.name = 'EmbeddedDatabaseInUse';
  }
}

/**
 * An exclusive claim on an embedded data directory, as a file created with O_EXCL beside it.
 * A claim is abandoned (taken over) when its holder is gone: on this host, its pid no longer
 * runs; anywhere (a shared volume, a recreated container), it has not been refreshed for 30 s.
 */
export class EmbeddedDataLock {
  private readonly heartbeat: NodeJS.Timeout;
  private released = false;

  private constructor(
    readonly file: string,
    private readonly token: string,
  ) {
    this.heartbeat = setInterval(() => this.touch(), HEARTBEAT_MS).unref();
    process.once('exit', this.releaseOnExit);
  }

  static acquire(dataDir: string, file: string, holder: string): EmbeddedDataLock {
    const record: LockRecord = {
      token: randomUUID(),
      pid: process.pid,
      host: hostname(),
      holder,
      since: new Date().toISOString(),
    };
    // Two tries: the second follows the removal of an abandoned claim.
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(file, 'wx', 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const current = readRecord(file);
        if (current && isHeld(file, current)) throw new EmbeddedDatabaseInUse(dataDir, file, current);
        removeIfUnchanged(file, current);
        continue;
      }
      try {
        writeSync(fd, JSON.stringify(record));
      } finally {
        closeSync(fd);
      }
      heldHere.set(file, record.token);
      return new EmbeddedDataLock(file, record.token);
    }
    const current = readRecord(file);
    throw new EmbeddedDatabaseInUse(dataDir, file, current ?? { ...record, holder: 'another process' });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    process.removeListener('exit', this.releaseOnExit);
    heldHere.delete(this.file);
    // Only our own claim: after a takeover the file is somebody else's.
    if (readRecord(this.file)?.token === this.token) unlinkSync(this.file);
  }

  private readonly releaseOnExit = () => this.release();

  private touch(): void {
    const now = new Date();
    try {
      if (readRecord(this.file)?.token === this.token) utimesSync(this.file, now, now);
    } catch {
      // The directory went away: there is nothing left to guard.
    }
  }
}

function readRecord(file: string): LockRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockRecord>;
    if (typeof parsed.token !== 'string' || typeof parsed.pid !== 'number') return undefined;
    return {
      token: parsed.token,
      pid: parsed.pid,
      host: String(parsed.host),
      holder: String(parsed.holder ?? 'another process'),
      since: String(parsed.since),
    };
  } catch {
    // Missing, or caught between create and write (a claim being made right now): see isHeld's caller.
    return undefined;
  }
}

function isHeld(file: string, record: LockRecord): boolean {
  if (heldHere.get(file) === record.token) return true;
  let ageMs: number;
  try {
    ageMs = Date.now() - statSync(file).mtimeMs;
  } catch {
    return false;
  }
  if (ageMs > STALE_MS) return false;
  if (record.host !== hostname()) return true;
  // Our own pid in a claim that is not ours: left by an earlier run that had the same pid
  // (pid 1 in a restarted container).
  if (record.pid === process.pid) return false;
  return processRuns(record.pid);
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes an abandoned claim, unless another process replaced it meanwhile. */
function removeIfUnchanged(file: string, seen: LockRecord | undefined): void {
  const now = readRecord(file);
  if (seen === undefined && now === undefined) {
    // Unreadable: a claim being written this instant, or a corrupt file. Only an old one goes.
    try {
      if (Date.now() - statSync(file).mtimeMs <= STALE_MS) return;
    } catch {
      return;
    }
  } else if (now?.token !== seen?.token) return;
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
