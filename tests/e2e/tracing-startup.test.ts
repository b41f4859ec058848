import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { median } from '../support/median';
import { OtlpReceiver } from '../support/otlp-receiver';
import { type Instance, postJson, startInstance, stopInstances } from '../support/processes';

const INSTRUMENT = path.resolve(__dirname, '..', '..', 'apps', 'api', 'dist', 'instrument.js');

/** Milliseconds to run the API's first module (the tracing start-up) in a fresh process. */
function startupCost(env: Record<string, string>): number {
  const script = `const t = process.hrtime.bigint(); require(${JSON.stringify(INSTRUMENT)});
    process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  const runs = [1, 2, 3].map(() =>
    Number(
      execFileSync(process.execPath, ['-e', script], {
        env: { PATH: process.env.PATH ?? '', ...env },
        encoding: 'utf8',
      }),
    ),
  );
  return median(runs);
}

describe('tracing off: nothing exported, start-up not slowed', () => {
  it('loads no SDK without an endpoint or with OTEL_SDK_DISABLED: well under 100 ms, against the SDK’s own cost', async () => {
    const receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    try {
      const off = startupCost({});
      const disabled = startupCost({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: 'true' });
      const on = startupCost({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
      console.log(
        `tracing start-up: off ${off.toFixed(1)} ms, disabled ${disabled.toFixed(1)} ms, on ${on.toFixed(1)} ms`,
      );
      expect(off).toBeLessThan(100);
      expect(disabled).toBeLessThan(100);
      // The measure can tell: loading the SDK itself costs more than the cut-off path.
      expect(on).toBeGreaterThan(Math.max(off, disabled));
    } finally {
      await receiver.stop();
    }
  });

  it('exports nothing from a running API without an endpoint (not even to the default :4318) or when disabled', async () => {
    // The SDK's default endpoint is localhost:4318: a receiver there would see what leaked.
    const fallback = new OtlpReceiver();
    const configured = new OtlpReceiver();
    const dataDirs = [1, 2].map(() => mkdtempSync(path.join(tmpdir(), 'latchkey-untraced-')));
    const instances: Instance[] = [];
    try {
      await fallback.start(4318);
      const endpoint = await configured.start();
      const env = { NODE_ENV: 'test', LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };
      const started = await Promise.allSettled([
        startInstance({ ...env, DATA_DIR: dataDirs[0]! }),
        startInstance({
          ...env,
          DATA_DIR: dataDirs[1]!,
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          OTEL_SDK_DISABLED: 'true',
        }),
      ]);
      for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
      for (const result of started) if (result.status === 'rejected') throw result.reason;
      for (const { url } of instances) {
        const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
        await postJson(
          `${url}/v1/auth/login`,
          { email: 'nobody@example.com', password: 'x'.repeat(16) },
          { traceparent },
        );
        await fetch(`${url}/jwks`, { headers: { traceparent } });
      }
      // Stopping flushes what a started SDK would still hold in its batch.
      await stopInstances(instances.splice(0));
      expect(fallback.bodies).toEqual([]);
      expect(configured.bodies).toEqual([]);
    } finally {
      await stopInstances(instances);
      await fallback.stop();
      await configured.stop();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});
