import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size of a process in MB, from /proc (Linux): VmRSS now, VmHWM its peak so far. */
export function rssOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

// Linux's USER_HZ: /proc reports CPU time in ticks of 1/100 s on every mainstream architecture.
const TICKS_PER_SECOND = 100;

const cpuSecondsIn = (statFile) => {
  // Fields after the command name, which is parenthesised and may contain spaces.
  const fields = readFileSync(statFile, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
};

/** CPU time (user + system, all threads) a process has used so far, in seconds. */
export function cpuSecondsOf(pid) {
  return cpuSecondsIn(`/proc/${pid}/stat`);
}

/**
 * CPU time of a process's main thread alone: in Node, the JavaScript and the I/O. The rest of a
 * process's CPU is its other threads: the libuv pool (argon2, RSA signing) and V8's GC helpers.
 */
export function mainThreadCpuSecondsOf(pid) {
  return cpuSecondsIn(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * CPU seconds used so far by the PostgreSQL backends serving `database` (their process titles name
 * it): the database's side of each request, which the API's own CPU time does not include.
 */
export function postgresCpuSecondsOf(database) {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.includes(` ${database} `)) total += cpuSecondsOf(pid);
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

/** Samples a process's RSS every 250 ms and keeps the highest value seen per phase. */
export class RssSampler {
  #peaks = new Map();
  #phase = 'start-up';
  #timer;

  constructor(pid, intervalMs = 250) {
    this.pid = pid;
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample() {
    const { rssMb } = rssOf(this.pid);
    this.#peaks.set(this.#phase, Math.max(this.#peaks.get(this.#phase) ?? 0, rssMb));
    return rssMb;
  }

  /** Samples now, then attributes later samples to `name`. */
  phase(name) {
    this.sample();
    this.#phase = name;
    this.sample();
  }

  peakOf(name) {
    return this.#peaks.get(name) ?? null;
  }

  stop() {
    clearInterval(this.#timer);
    return { sampledPeakMb: Math.max(...this.#peaks.values()), kernelPeakMb: rssOf(this.pid).peakMb };
  }
}
