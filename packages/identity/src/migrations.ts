import path from 'node:path';
import type { MigrationStream } from '@latchkey/platform';

/** This package's tables, in its own migration stream: src/ and dist/ both sit below migrations/. */
export const identityMigrations: MigrationStream = {
  name: 'identity',
  folder: path.resolve(__dirname, '..', 'migrations'),
};
