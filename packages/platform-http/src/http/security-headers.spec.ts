import { securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it("records helmet's headers for the options once, names lower-cased", () => {
    const headers = securityHeaders({ hsts: { maxAge: 31_536_000, includeSubDomains: true } });
    expect(headers).toMatchObject({
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
    });
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(Object.keys(headers).every((name) => name === name.toLowerCase())).toBe(true);
    expect(Object.isFrozen(headers)).toBe(true);
  });

  it('follows the options: a header turned off is not sent', () => {
    const headers = securityHeaders({ contentSecurityPolicy: false, xFrameOptions: false });
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['x-frame-options']).toBeUndefined();
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses options helmet refuses, at start-up rather than on a request', () => {
    expect(() =>
      securityHeaders({ contentSecurityPolicy: { directives: { 'default-src': ["'self' bad;"] } } }),
    ).toThrow(/invalid directive value/);
  });
});
