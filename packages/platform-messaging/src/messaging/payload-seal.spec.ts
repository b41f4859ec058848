import { PayloadSeal } from './payload-seal';

describe('PayloadSeal', () => {
  const seal = new PayloadSeal(Buffer.alloc(32, 1));

  it('opens what it sealed for the same row only, and nothing sealed under another key', () => {
    const sealed = seal.seal('row-1', { link: 'https://app.example/reset?token=secret' });
    expect(sealed).not.toContain('secret');
    expect(seal.unseal('row-1', sealed)).toEqual({ link: 'https://app.example/reset?token=secret' });
    expect(seal.unseal('row-2', sealed)).toBeUndefined();
    expect(new PayloadSeal(Buffer.alloc(32, 2)).unseal('row-1', sealed)).toBeUndefined();
  });
});
