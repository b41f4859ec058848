/** Time comes through this port so tests can move it (expiry, idle timeout, grace windows). */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
