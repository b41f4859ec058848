import { scrubAttributes } from './scrubbing-span-processor';

describe('scrubAttributes', () => {
  const recorded = () => ({
    'client.address': '203.0.113.7',
    'net.peer.ip': '203.0.113.7',
    'http.client_ip': '203.0.113.7',
    'url.full': 'http://localhost:3000/verify-email?token=secret-one-time-token',
    'url.query': 'token=secret-one-time-token',
    'http.target': '/reset-password?token=secret',
    'http.route': '/v1/auth/login',
    'db.system': 'postgresql',
  });

  it('drops client addresses and query strings, and keeps the rest', () => {
    const attributes: Record<string, unknown> = recorded();
    scrubAttributes(attributes, false);
    expect(attributes).toEqual({
      'url.full': 'http://localhost:3000/verify-email',
      'http.target': '/reset-password',
      'http.route': '/v1/auth/login',
      'db.system': 'postgresql',
    });
  });

  it('keeps the client address when OTEL_CAPTURE_CLIENT_IP=true, never a query string', () => {
    const attributes: Record<string, unknown> = recorded();
    scrubAttributes(attributes, true);
    expect(attributes).toMatchObject({
      'client.address': '203.0.113.7',
      'url.full': 'http://localhost:3000/verify-email',
    });
    expect(JSON.stringify(attributes)).not.toContain('secret');
  });
});
