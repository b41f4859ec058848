import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address alone from what a trusted proxy wrote: some append the client's port
 * (`203.0.113.7:40001`, `[2001:db8::1]:40001`), which would give every connection a bucket of
 * its own; an IPv6 zone (`%eth0`) goes too.
 */
function addressOf(ip: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  const bare = bracketed ? bracketed[1]! : (/^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(ip)?.[1] ?? ip);
  return bare.replace(/%.*$/, '');
}

/**
 * The key a client's requests are counted under. IPv6 clients usually hold a whole /64, so one
 * host could otherwise rotate through 2^64 addresses: they are counted per /64. Anything that is
 * not an address (a proxy writing something else) shares one bucket rather than minting new ones.
 */
export function clientKey(raw: string | undefined): string {
  if (!raw) return 'ip:unknown';
  const ip = addressOf(raw.trim());
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return `ip:${mapped[1]}`;
  if (isIPv4(ip)) return `ip:${ip}`;
  if (!isIPv6(ip)) return 'ip:unparseable';
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `ip6:${groups
    .slice(0, 4)
    .map((group) => group.padStart(4, '0'))
    .join(':')}::/64`;
}

/** Per-account limits count the normalised address (trimmed, lower-cased), as login does. */
export function emailKey(body: unknown): string {
  const email = (body as { email?: unknown } | undefined)?.email;
  return `email:${typeof email === 'string' ? email.trim().toLowerCase() : ''}`;
}
