import 'reflect-metadata';
import { MIGRATION_PLAN } from '../../apps/api/src/paths';

// The test harness is the suites' composition root: test databases get the monolith's migrations.
process.env.LATCHKEY_MIGRATION_PLAN ??= JSON.stringify(MIGRATION_PLAN);
