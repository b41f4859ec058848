// For tests only: a fresh, migrated database per test file, and raw SQL for assertions.
export * from './sql';
export * from './test-database';
