import path from 'node:path';

/** apps/api, whether running from src/ (tests) or dist/ (built): both sit one level below it. */
export const API_PACKAGE_ROOT = path.resolve(__dirname, '..');
export const REPO_ROOT = path.resolve(API_PACKAGE_ROOT, '..', '..');
export const OPENAPI_SPEC_FILE = path.join(REPO_ROOT, 'docs', 'openapi.yaml');
/** The migrations the monolith applies, in order (one stream until the modules own theirs). */
export const MIGRATIONS_FOLDER = path.join(API_PACKAGE_ROOT, 'drizzle');
