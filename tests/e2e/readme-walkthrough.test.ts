import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Instance, postJson, startInstance, stopInstances } from '../support/processes';
import { describeEmbeddedOnly } from '../support/test-environment';

const README = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

/** The shell blocks of the README's "Run it" section after the first (which starts the API). */
function walkthrough(): string[] {
  const section = README.split(/^## /m).find((part) => part.startsWith('Run it\n'))!;
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1]!).slice(1);
}

/**
 * Runs a block as a person would paste it into bash: command by command, with the pause a person
 * takes between two (the API sends its mail just after it answers).
 */
function asTyped(block: string): string {
  return block.replace(/(?<!\\)\n(?=\S)/g, '\nsleep 0.3\n');
}

/** `{…}{…}202\n204\n{…}` → the documents and numbers in it. */
function splitOutput(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    else if (depth === 0 && /\d/.test(c)) {
      const number = /^\d+/.exec(text.slice(i))![0];
      values.push(Number(number));
      i += number.length - 1;
    }
  }
  return values;
}

function bash(script: string, cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd, timeout: 60_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

// `pnpm start` as written: the embedded database, whatever the suites run on; once, in the PGlite run.
describeEmbeddedOnly("the README's walkthrough, command by command as written", () => {
  let dir: string;
  let api: Instance;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-readme-'));
    // `pnpm start | tee latchkey.log`, as the README says, on a fresh data directory.
    api = await startInstance(
      { NODE_ENV: 'development', DATA_DIR: path.join(dir, '.data') },
      path.join(dir, 'latchkey.log'),
    );
  }, 60_000);
  afterAll(async () => {
    await stopInstances([api]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers, logs in, verifies, resets the password and signs up an organization', async () => {
    const blocks = walkthrough();
    expect(blocks).toHaveLength(3);
    expect(blocks[0]).toMatch(/^API=http:\/\/localhost:3000$/m);
    const script = blocks.map(asTyped).join('\n').replace('API=http://localhost:3000', `API=${api.url}`);
    const run = await bash(script, dir);
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });

    // curl -s prints bodies without a newline: the output is JSON documents and status codes back to back.
    const outputs = splitOutput(run.out);
    // register, /auth/me (the login went into ACCESS_TOKEN), verify/confirm, reset request (202),
    // reset confirm (204), sign-up.
    expect(outputs).toEqual([
      expect.objectContaining({ email: 'ada@example.com' }),
      expect.objectContaining({ email: 'ada@example.com', name: 'Ada' }),
      expect.objectContaining({ email: 'ada@example.com', emailVerified: true }),
      expect.objectContaining({}),
      202,
      204,
      expect.objectContaining({
        organization: expect.objectContaining({ slug: 'acme' }),
        accessToken: expect.any(String),
      }),
    ]);

    // The new password is the one that works now.
    const login = await postJson(`${api.url}/auth/login`, {
      email: 'ada@example.com',
      password: 'another long passphrase',
    });
    expect(login.status).toBe(200);
  }, 60_000);
});
