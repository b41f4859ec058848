import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RefreshTokenStorage } from '../refresh-token-storage.js';

/**
 * The refresh token in a file of its own (mode 0600), for Node tools that stay signed in between
 * runs. Written to a temporary file and renamed over the old one, so a crash mid-write never
 * leaves half a token: the previous one stays (and is still within the server's grace window if
 * its successor was lost).
 */
export function fileStorage(file: string): RefreshTokenStorage {
  return {
    async get() {
      try {
        const token = (await readFile(file, 'utf8')).trim();
        return token === '' ? undefined : token;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async set(token) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, `${token}\n`, { mode: 0o600 });
      await rename(temporary, file);
    },
    async clear() {
      await rm(file, { force: true });
    },
  };
}
