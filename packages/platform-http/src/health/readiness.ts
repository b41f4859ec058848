import { ServiceUnavailable } from '@latchkey/shared-kernel';

/** One dependency readiness asks about, within its own time limit. */
export interface DependencyCheck {
  name: string;
  /** Critical: down means this instance cannot serve its main requests, so it is not ready. */
  critical: boolean;
  timeoutMs: number;
  probe(): Promise<void>;
}

export type CheckState = 'up' | 'down';
export interface ReadinessReport {
  status: 'ready';
  checks: Record<string, CheckState>;
}

const RETRY_AFTER_SECONDS = 5;

/**
 * Runs every check at once, each bounded by its own timeout, so the answer comes within the
 * slowest limit. Any critical check down: 503 naming each (the body is public, so it says which
 * dependency and nothing of its address or error). Non-critical ones are only reported.
 */
export async function assessReadiness(checks: readonly DependencyCheck[]): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (check) => ({ check, failure: await failureOf(check) })),
  );
  const down = results.filter(({ check, failure }) => check.critical && failure !== undefined);
  if (down.length > 0) {
    throw new ServiceUnavailable(`Not ready: ${down.map(({ check }) => check.name).join(', ')} down`, {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      details: down.map(({ check, failure }) => ({ field: check.name, message: failure! })),
    });
  }
  return {
    status: 'ready',
    checks: Object.fromEntries(results.map(({ check, failure }) => [check.name, failure ? 'down' : 'up'])),
  };
}

async function failureOf(check: DependencyCheck): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${check.timeoutMs} ms`), check.timeoutMs);
  });
  try {
    return await Promise.race([
      check.probe().then(
        () => undefined,
        () => 'unreachable',
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
