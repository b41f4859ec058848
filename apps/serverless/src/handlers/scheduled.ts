import type { ApiConfig } from '@latchkey/api';
import { RotateSigningKeys } from '@latchkey/identity';
import { Cleanup } from '@latchkey/platform';
import { configAtInit } from '../init';
import { LambdaEnvironment } from '../lambda-environment';

export const SCHEDULED_TASKS = ['cleanup', 'rotate-signing-keys', 'relay'] as const;
export type ScheduledTask = (typeof SCHEDULED_TASKS)[number];

/** The input an EventBridge Scheduler schedule gives the function: `{"task": "cleanup"}`. */
export interface ScheduledEvent {
  task?: unknown;
}

export interface ScheduledFunction {
  environment: LambdaEnvironment;
  config: ApiConfig;
}

export async function initScheduledFunction(): Promise<ScheduledFunction> {
  const { config, logger } = await configAtInit();
  return { environment: await LambdaEnvironment.create({ config, logger }), config };
}

/**
 * What the monolith runs on its own timers, run by EventBridge Scheduler instead (a frozen Lambda
 * environment keeps no timer): the clean-up (CLEANUP_INTERVAL's schedule), a step of the signing
 * key rotation (KEY_ROTATION_INTERVAL; the advisory lock lets one run act) and a pass of the mail
 * and event relays (retries due while no request came to run them). A failure throws: the
 * scheduler's retry policy and the function's error metric see it.
 */
export async function runScheduledTask(
  { environment, config }: ScheduledFunction,
  event: ScheduledEvent,
): Promise<Record<string, unknown>> {
  const task = event.task;
  if (!SCHEDULED_TASKS.includes(task as ScheduledTask))
    throw new Error(`unknown scheduled task ${JSON.stringify(task)}: one of ${SCHEDULED_TASKS.join(', ')}`);
  const { app } = environment.latchkey;
  switch (task as ScheduledTask) {
    case 'cleanup':
      return { task, ...(await app.get(Cleanup, { strict: false }).run()) };
    case 'rotate-signing-keys': {
      const interval = config.identity.keys.rotationIntervalSeconds;
      if (interval === undefined) return { task, ran: false, reason: 'KEY_ROTATION_INTERVAL is not set' };
      return { task, ...(await app.get(RotateSigningKeys, { strict: false }).execute(interval)) };
    }
    case 'relay':
      environment.nudgeRelays();
      await environment.settle();
      return { task, ran: true };
  }
}
