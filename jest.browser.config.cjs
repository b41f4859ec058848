// `pnpm test:browser`: Chromium against the built API and the web demo (tests/browser). Apart
// from `pnpm test`, which must run on a machine without a browser.
const config = require('./jest.config.cjs');

const [unit] = config.projects;

/** @type {import('jest').Config} */
module.exports = {
  ...config,
  projects: [{ ...unit, displayName: 'browser', testMatch: ['<rootDir>/tests/browser/**/*.test.ts'] }],
};
