import { UuidV7 } from './uuid-v7';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const millisOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('UuidV7', () => {
  afterEach(() => jest.restoreAllMocks());

  it('produces RFC 9562 version-7 UUIDs that sort by creation time', async () => {
    const ids = new UuidV7();
    const first = ids.next();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = ids.next();
    for (const id of [first, second]) expect(id).toMatch(UUID_V7);
    expect(first < second).toBe(true);
    expect(millisOf(first)).toBeLessThanOrEqual(Date.now());
  });

  it('sorts ids made within one millisecond in the order they were made, all distinct', () => {
    jest.spyOn(Date, 'now').mockReturnValue(1_790_000_000_000);
    const ids = new UuidV7();
    const made = Array.from({ length: 10_000 }, () => ids.next());
    for (const id of made) expect(id).toMatch(UUID_V7);
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(made.length);
    expect(millisOf(made[0]!)).toBe(1_790_000_000_000);
  });

  it('keeps the order when the clock steps back', () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_790_000_000_500);
    const ids = new UuidV7();
    const before = ids.next();
    now.mockReturnValue(1_790_000_000_000); // NTP stepped the clock back half a second
    const after = ids.next();
    expect(before < after).toBe(true);
    expect(millisOf(after)).toBe(1_790_000_000_500);
  });
});
