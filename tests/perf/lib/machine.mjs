import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What a reader needs to weigh the numbers: the same code reads differently on other hardware. */
export function describeMachine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: os.cpus() is all there is
  }
  return {
    hostname: os.hostname(),
    cpu: cpu.trim(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

export const loadAverage = () => os.loadavg().map((value) => Number(value.toFixed(2)));
