import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** What a first operator looks for, linked from the README so it is found. */
describe('operations documents', () => {
  it('a backup and restore list names the database, the keys, the pepper and the KEK, and what losing each does', () => {
    const runbook = read('docs/runbooks/backup-and-restore.md');
    for (const what of ['The database', 'Signing keys', '`REFRESH_TOKEN_PEPPER`', '`KEY_ENCRYPTION_KEY`'])
      expect(runbook).toContain(what);
    expect(runbook).toContain('if it is lost');
    expect(read('README.md')).toContain('docs/runbooks/backup-and-restore.md');
  });

  it("the README says what losing the compose file's secrets volume does", () => {
    expect(read('docker-compose.yml')).toMatch(/^ {6}- apidata:\/app\/\.data$/m);
    expect(read('README.md')).toContain(
      'losing that volume makes every\nrefresh token and every stored signing key unusable',
    );
  });

  it('SECURITY.md says how to report a vulnerability and which versions get fixes; CHANGELOG.md exists', () => {
    const policy = read('SECURITY.md');
    expect(policy).toMatch(/^## Reporting a vulnerability$/m);
    expect(policy).toMatch(/^## Supported versions$/m);
    expect(existsSync(path.join(root, 'CHANGELOG.md'))).toBe(true);
    expect(read('README.md')).toContain('[`SECURITY.md`](SECURITY.md)');
  });

  it('every relative link in the README and docs/ leads to a file that exists', () => {
    const files = [
      'README.md',
      'SECURITY.md',
      'CHANGELOG.md',
      'docs/security.md',
      'docs/architecture.md',
      'docs/observability.md',
      ...readdirSync(path.join(root, 'docs', 'runbooks')).map((name) => `docs/runbooks/${name}`),
      ...readdirSync(path.join(root, 'docs', 'decisions')).map((name) => `docs/decisions/${name}`),
    ];
    const broken: string[] = [];
    for (const file of files) {
      for (const [, target] of read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(path.join(root, path.dirname(file), target!))) broken.push(`${file} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('each decision record has its four sections, and the index lists every record', () => {
    const records = readdirSync(path.join(root, 'docs', 'decisions')).filter((name) => /^\d{4}-/.test(name));
    expect(records.length).toBeGreaterThanOrEqual(10);
    const index = read('docs/decisions/README.md');
    for (const record of records) {
      const text = read(`docs/decisions/${record}`);
      const sections = [...text.matchAll(/^## (.+)$/gm)].map((match) => match[1]);
      expect({ record, sections }).toEqual({
        record,
        sections: ['Context', 'Decision', 'Alternatives', 'Consequences'],
      });
      expect({ record, status: /^Status: (accepted|superseded by \d{4}|proposed)/m.test(text) }).toEqual({
        record,
        status: true,
      });
      expect(index).toContain(`](${record})`);
    }
    expect(read('README.md')).toContain('docs/decisions');
  });
});
