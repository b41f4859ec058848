import { normalizePassword, PasswordPolicy } from './password-policy';

const blocklist = new Set(['password123456789', 'correcthorsebatterystaple']);
const policy = new PasswordPolicy(15, { has: (value) => blocklist.has(value) });
const email = 'rosalind@example.com';

describe('PasswordPolicy (NIST SP 800-63B-4)', () => {
  it('accepts a long passphrase of any characters, with no composition rules', () => {
    expect(policy.violations('all lower case words here', email)).toEqual([]);
    expect(policy.violations('пароль-на-русском-языке', email)).toEqual([]);
  });

  it('requires the minimum length, counted in code points after NFKC', () => {
    expect(policy.violations('fourteen chars', email)).toEqual([
      { field: 'password', message: 'must be at least 15 characters' },
    ]);
    // 15 emoji are 15 characters even though each is two UTF-16 code units.
    expect(policy.violations('😀'.repeat(15), email)).toEqual([]);
    expect(policy.violations('😀'.repeat(14), email)).toHaveLength(1);
  });

  it('refuses more than 256 characters before anything else is checked', () => {
    expect(policy.violations('x'.repeat(257), email)).toEqual([
      { field: 'password', message: 'must be at most 256 characters' },
    ]);
    expect(policy.violations('x'.repeat(256), email)).toEqual([]);
  });

  it('refuses blocklisted passwords, case-insensitively and after normalisation', () => {
    expect(policy.violations('Password123456789', email)).toEqual([
      { field: 'password', message: 'is too common: it appears in a list of frequently used passwords' },
    ]);
    // Full-width letters normalise (NFKC) to the blocklisted ASCII form.
    expect(policy.violations('ＣｏｒｒｅｃｔＨｏｒｓｅＢａｔｔｅｒｙＳｔａｐｌｅ', email)).toHaveLength(1);
  });

  it("refuses a password containing the email's local part", () => {
    expect(policy.violations('my name is ROSALIND franklin', email)).toEqual([
      { field: 'password', message: 'must not contain your email address' },
    ]);
    // Very short local parts are not checked: "al" would forbid half the dictionary.
    expect(policy.violations('totally reasonable passphrase', 'al@example.com')).toEqual([]);
  });

  it('reports every rule that failed', () => {
    const strict = new PasswordPolicy(30, { has: () => true });
    expect(strict.violations('rosalind is me', email).map((v) => v.message)).toEqual([
      'must be at least 30 characters',
      'is too common: it appears in a list of frequently used passwords',
      'must not contain your email address',
    ]);
  });

  it('normalises composed and decomposed forms to one password', () => {
    expect(normalizePassword('café')).toBe(normalizePassword('cafe\u0301'));
  });
});
