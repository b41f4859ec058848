import { UuidV7Generator } from './uuid-v7-generator';

describe('UuidV7Generator', () => {
  it('produces RFC 9562 version-7 UUIDs that sort by creation time', async () => {
    const ids = new UuidV7Generator();
    const first = ids.next();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = ids.next();
    for (const id of [first, second])
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first < second).toBe(true);
    expect(parseInt(first.replace(/-/g, '').slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
  });
});
