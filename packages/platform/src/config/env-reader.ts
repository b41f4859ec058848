/**
 * Reads environment variables through small typed parsers and collects every problem, so a bad
 * deployment learns about all of its mistakes in one start-up attempt, not one per restart.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/** Seconds, for the bounds and defaults of `seconds()` settings. */
export const HOUR = 3600;
export const DAY = 24 * HOUR;

export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The raw value, with empty strings treated as unset (`FOO=` in a .env file). */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      return this.fail(name, `must be an integer from ${min} to ${max} (got "${raw}")`, fallback);
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    return this.fail(name, `must be true or false (got "${raw}")`, fallback);
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    return this.fail(name, `must be one of ${allowed.join(', ')} (got "${raw}")`, fallback);
  }

  /** A URL whose scheme is in `protocols`; the value is never echoed, since URLs carry passwords. */
  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return this.fail(name, 'must be a valid URL', undefined);
    }
    if (!protocols.includes(url.protocol)) {
      return this.fail(name, `must use ${protocols.join(' or ')} (got "${url.protocol}")`, undefined);
    }
    return raw;
  }

  /** Comma-separated exact origins (`scheme://host[:port]`), never a wildcard. */
  origins(name: string): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return [];
    const origins = raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const bad = origins.filter((origin) => !isExactOrigin(origin));
    if (bad.length > 0) {
      return this.fail(
        name,
        `must list exact origins like https://app.example.com, without paths or wildcards (bad: ${bad.join(', ')})`,
        [],
      );
    }
    return origins;
  }

  /** Durations as seconds: `900`, `900s`, `15m`, `7d`. */
  seconds(name: string, fallback: number, min: number, max: number): number {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const value = durationSeconds(raw) ?? NaN;
    if (!(value >= min && value <= max)) {
      return this.fail(
        name,
        `must be a duration from ${min}s to ${max}s, e.g. 900, 15m, 7d (got "${raw}")`,
        fallback,
      );
    }
    return value;
  }

  fail<T>(name: string, message: string, fallback: T): T {
    this.problems.push(`${name}: ${message}`);
    return fallback;
  }
}

/** `900`, `900s`, `15m`, `12h`, `7d` as seconds; undefined when it is no such duration. */
export function durationSeconds(raw: string): number | undefined {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(raw.trim());
  if (!match) return undefined;
  return Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}
