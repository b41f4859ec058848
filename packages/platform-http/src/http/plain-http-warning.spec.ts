import { isLoopback, PLAIN_HTTP_WARNING, plainHttpWarning } from './plain-http-warning';

const request = (remoteAddress: string, protocol: 'http' | 'https' = 'http') =>
  ({ protocol, socket: { remoteAddress } }) as never;

describe('plain-HTTP warning', () => {
  const production = { isProduction: true, http: { trustProxy: false as const } };

  it('warns once, on the first plain-HTTP request from another host, in production without TRUST_PROXY', () => {
    const warn = jest.fn();
    const check = plainHttpWarning(production, { warn } as never)!;
    check(request('127.0.0.1'));
    check(request('::1'));
    check(request('::ffff:127.0.0.5'));
    expect(warn).not.toHaveBeenCalled();
    check(request('203.0.113.7'));
    check(request('198.51.100.1'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith({ peer: '203.0.113.7' }, PLAIN_HTTP_WARNING);
  });

  it('stays quiet behind a trusted proxy, outside production, and for HTTPS', () => {
    expect(
      plainHttpWarning({ ...production, http: { trustProxy: ['10.0.0.0/8'] } }, { warn: jest.fn() } as never),
    ).toBeUndefined();
    expect(
      plainHttpWarning({ isProduction: false, http: { trustProxy: false } }, { warn: jest.fn() } as never),
    ).toBeUndefined();
    const warn = jest.fn();
    plainHttpWarning(production, { warn } as never)!(request('203.0.113.7', 'https'));
    expect(warn).not.toHaveBeenCalled();
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', undefined].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
