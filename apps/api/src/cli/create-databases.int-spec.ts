import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runCreateDatabasesCli } from './create-databases';

const url = process.env.TEST_DATABASE_URL;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) }, out, err };
}

describe('create-databases (the services deployment’s one-off task)', () => {
  it('needs a name and a server', async () => {
    const none = io();
    expect(await runCreateDatabasesCli([], none.io, { env: {} })).toBe(2);
    expect(none.err.join('\n')).toMatch(/name at least one database/);
    const embedded = io();
    expect(await runCreateDatabasesCli(['latchkey_auth'], embedded.io, { env: {} })).toBe(2);
    expect(embedded.err.join('\n')).toMatch(/DATABASE_URL is not set/);
  });

  (url ? it : it.skip)(
    'creates what is missing on DATABASE_URL’s server, and says what existed',
    async () => {
      const name = `latchkey_cli_${randomBytes(4).toString('hex')}`;
      const admin = new Client({ connectionString: url });
      await admin.connect();
      try {
        const first = io();
        expect(await runCreateDatabasesCli([name], first.io, { env: { DATABASE_URL: url! } })).toBe(0);
        expect(first.out).toEqual([`${name}: created`]);
        const again = io();
        expect(await runCreateDatabasesCli([name], again.io, { env: { DATABASE_URL: url! } })).toBe(0);
        expect(again.out).toEqual([`${name}: exists`]);
      } finally {
        await admin.query(`drop database if exists ${name}`);
        await admin.end();
      }
    },
  );
});
