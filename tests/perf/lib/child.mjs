import { fork } from 'node:child_process';

/**
 * Runs a module in a process of its own, sends it `input` and resolves with the one result it
 * reports. Load generation and ceilings never share an event loop or a heap with the API, nor
 * with the orchestrator's RSS sampling.
 */
export function runChild(modulePath, input, { env = process.env, onMark = () => undefined } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(modulePath, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result;
    child.on('message', (message) => {
      if (message.type === 'result') result = message.value;
      if (message.type === 'mark') onMark(message.value);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`${modulePath} exited with ${signal ?? code} and no result`));
    });
    child.send(input);
  });
}

/** A child that serves until stopped (the bare Fastify ceiling): resolves once it reports `ready`. */
export function startChild(modulePath, input, { env = process.env } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(modulePath, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('error', reject);
    child.once('exit', (code) => reject(new Error(`${modulePath} exited early with ${code}`)));
    child.on('message', (message) => {
      if (message.type !== 'ready') return;
      child.removeAllListeners('exit');
      resolve({
        pid: child.pid,
        info: message.value,
        stop: () =>
          new Promise((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.send(input);
  });
}

/** The child side: tell the parent a moment worth a measurement (e.g. the timed run starts). */
export const mark = (name) => process.send({ type: 'mark', value: name });

/** The child side: answer the first message with `work(input)`, then exit. */
export function serveOnce(work) {
  process.once('message', async (input) => {
    try {
      const value = await work(input);
      process.send({ type: 'result', value }, () => process.exit(0));
    } catch (error) {
      console.error(error);
      process.exit(1);
    }
  });
}
