import { requestIdFrom } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom', () => {
  it.each(['3f1c9a1e-7d3b-4c2a-9f6e-2b8d1a0c4e5f', '01HZX3Q9K7M2N4P6R8S0T1V3W5', 'trace.abc:123-xyz_9'])(
    'keeps an acceptable caller id %s',
    (id) => expect(requestIdFrom(id)).toBe(id),
  );

  it.each([
    undefined,
    '',
    'short',
    'has space here',
    'line\nbreak-injection',
    'x'.repeat(129),
    '<script>alert(1)</script>',
  ])('replaces %j with a fresh UUID', (id) => expect(requestIdFrom(id)).toMatch(UUID));

  it('uses the first value when the header is repeated', () => {
    expect(requestIdFrom(['first-request-id', 'second-request-id'])).toBe('first-request-id');
  });
});
