import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileStorage } from './file-storage.js';

describe('fileStorage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'latchkey-client-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the token across instances in a file only its owner can read, and forgets it on clear', async () => {
    const file = path.join(dir, 'nested', 'refresh-token');
    await expect(fileStorage(file).get()).resolves.toBeUndefined();
    await fileStorage(file).set('token-1');
    await fileStorage(file).set('token-2');
    await expect(fileStorage(file).get()).resolves.toBe('token-2');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await fileStorage(file).clear();
    await expect(fileStorage(file).get()).resolves.toBeUndefined();
  });
});
