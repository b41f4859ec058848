import { readFileSync } from 'node:fs';
import path from 'node:path';
import { API_PACKAGE_ROOT } from '../../../../platform/paths';
import { PasswordBlocklist } from '../../application/ports';

export const COMMON_PASSWORDS_FILE = path.join(API_PACKAGE_ROOT, 'assets', 'common-passwords.txt');

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
