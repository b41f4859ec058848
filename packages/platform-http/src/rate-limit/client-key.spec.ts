import { clientKey, emailKey } from './client-key';

describe('rate-limit keys', () => {
  it('counts IPv4 clients per address, and IPv4-mapped IPv6 as the IPv4 address', () => {
    expect(clientKey('203.0.113.7')).toBe('ip:203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('ip:203.0.113.7');
  });

  it('counts IPv6 clients per /64, so one host cannot rotate through its addresses', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('ip6:2001:0db8:0001:0002::/64');
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe(clientKey('2001:db8:1:2::9'));
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'));
  });

  it('counts a client behind a proxy that appends ports once, whatever the port', () => {
    expect(clientKey('203.0.113.7:40001')).toBe('ip:203.0.113.7');
    expect(clientKey('203.0.113.7:40002')).toBe('ip:203.0.113.7');
    expect(clientKey('[2001:db8:1:2::1]:40001')).toBe('ip6:2001:0db8:0001:0002::/64');
    expect(clientKey('[2001:db8:1:2::1]')).toBe('ip6:2001:0db8:0001:0002::/64');
    expect(clientKey('fe80::1%eth0')).toBe(clientKey('fe80::2'));
  });

  it('puts whatever is not an address in one shared bucket instead of minting new ones', () => {
    expect(clientKey('unknown')).toBe('ip:unparseable');
    expect(clientKey('client-1234')).toBe(clientKey('client-5678'));
    expect(clientKey(undefined)).toBe('ip:unknown');
  });

  it('normalises the email as login does (trim, lower case)', () => {
    expect(emailKey({ email: '  Ada@Example.COM ' })).toBe('email:ada@example.com');
    expect(emailKey(undefined)).toBe('email:');
  });
});
