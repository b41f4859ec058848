import 'reflect-metadata';
import path from 'node:path';

// The test harness is the suites' composition root: test databases get the monolith's migrations.
process.env.LATCHKEY_MIGRATIONS_FOLDER ??= path.resolve(__dirname, '..', '..', 'apps', 'api', 'drizzle');
