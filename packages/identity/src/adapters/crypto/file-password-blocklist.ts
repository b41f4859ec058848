import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PasswordBlocklist } from '../../application/ports';

// This package's assets: src/adapters/crypto/ and dist/adapters/crypto/ sit three levels below its root.
export const COMMON_PASSWORDS_FILE = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'assets',
  'common-passwords.txt',
);

/** The shipped list of common passwords (NFKC, lower-case), held in a Set for O(1) lookups. */
export class FilePasswordBlocklist extends PasswordBlocklist {
  private readonly entries: ReadonlySet<string>;

  constructor(file = COMMON_PASSWORDS_FILE) {
    super();
    const lines = readFileSync(file, 'utf8').split('\n');
    this.entries = new Set(lines.filter((line) => line.length > 0 && !line.startsWith('#')));
  }

  get size(): number {
    return this.entries.size;
  }

  has(normalizedLowerCasePassword: string): boolean {
    return this.entries.has(normalizedLowerCasePassword);
  }
}
