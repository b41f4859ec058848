import { chmod, mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SigningKeyStore } from '../../application/ports';
import type { SigningKey } from '../../domain/signing-key';

interface StoredKey extends Omit<SigningKey, 'createdAt' | 'activatedAt' | 'retiredAt'> {
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
}

/**
 * One JSON file per key in KEYS_DIR (mode 0600, directory 0700). Development default: a single
 * instance reads its own files; several instances share keys through the Postgres store.
 */
export class FileSigningKeyStore extends SigningKeyStore {
  private cache: SigningKey[] | undefined;

  constructor(private readonly dir: string) {
    super();
  }

  async list(): Promise<SigningKey[]> {
    this.cache ??= await this.readAll();
    return this.cache;
  }

  async save(key: SigningKey): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const file = path.join(this.dir, `${key.kid}.json`);
    const temporary = `${file}.${process.pid}.tmp`;
    const stored: StoredKey = {
      ...key,
      createdAt: key.createdAt.toISOString(),
      activatedAt: key.activatedAt?.toISOString() ?? null,
      retiredAt: key.retiredAt?.toISOString() ?? null,
    };
    // Write then rename: a crash mid-write never leaves a truncated key behind.
    await writeFile(temporary, JSON.stringify(stored, null, 2), { mode: 0o600 });
    await rename(temporary, file);
    this.cache = undefined;
  }

  private async readAll(): Promise<SigningKey[]> {
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
        .map(async (name) => {
          const stored = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as StoredKey;
          return {
            ...stored,
            createdAt: new Date(stored.createdAt),
            activatedAt: stored.activatedAt ? new Date(stored.activatedAt) : null,
            retiredAt: stored.retiredAt ? new Date(stored.retiredAt) : null,
          };
        }),
    );
    return keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
}
