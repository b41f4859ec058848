import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SigningKeyStore } from '../../application/ports';
import type { SigningKey } from '../../domain/signing-key';
import { signingKeyOf, type StoredSigningKey, storedSigningKeyOf } from './stored-signing-key';

/**
 * One JSON file per key in KEYS_DIR (mode 0600, directory 0700): the development default. Files
 * are not transactional and no other instance is told of a change, so several instances share
 * keys through the database store instead.
 */
export class FileSigningKeyStore extends SigningKeyStore {
  constructor(private readonly dir: string) {
    super();
  }

  async list(): Promise<SigningKey[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const keys = await Promise.all(
      names
        .filter((name) => name.endsWith('.json'))
        .map(async (name) =>
          signingKeyOf(JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as StoredSigningKey),
        ),
    );
    return keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  async save(keys: SigningKey[]): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    for (const key of keys) {
      const file = this.fileOf(key.kid);
      const temporary = `${file}.${process.pid}.tmp`;
      // Write then rename: a crash mid-write never leaves a truncated key behind.
      await writeFile(temporary, JSON.stringify(storedSigningKeyOf(key), null, 2), { mode: 0o600 });
      await rename(temporary, file);
    }
  }

  async remove(kid: string): Promise<void> {
    await rm(this.fileOf(kid), { force: true });
  }

  private fileOf(kid: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(kid)) throw new Error(`not a kid: ${kid}`);
    return path.join(this.dir, `${kid}.json`);
  }
}
