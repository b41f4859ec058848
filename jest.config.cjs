const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

// NestJS 12, jose and several of their dependencies ship ESM only. jest's module system cannot
// require() ESM, so swc transpiles exactly those packages to CommonJS as well (the built app
// relies on Node's own require(esm)). The list is read from the installed packages, so an
// upgrade that turns a dependency into ESM needs no edit here.
function esmOnlyPackages() {
  const store = path.join(__dirname, 'node_modules', '.pnpm');
  const names = new Set();
  for (const entry of readdirSync(store)) {
    const modules = path.join(store, entry, 'node_modules');
    // `@scope+name@1.2.3_peer…` or `name@1.2.3_peer…`
    const name = entry.startsWith('@')
      ? `@${entry.slice(1).split('@')[0].replace('+', '/')}`
      : entry.split('@')[0];
    try {
      const manifest = JSON.parse(readFileSync(path.join(modules, name, 'package.json'), 'utf8'));
      if (manifest.type === 'module') names.add(name);
    } catch {
      // not a package directory (e.g. node_modules/.pnpm/lock.yaml)
    }
  }
  return [...names].map((name) => name.replace(/[.+]/g, '\\$&'));
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(ts|js|mjs)$': swc },
  transformIgnorePatterns: [
    `/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(${esmOnlyPackages().join('|')})/)`,
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // The workspace packages run from source, through the same entries (and test doors) as in a build.
  moduleNameMapper: {
    // The monolith's composition, which apps/serverless hosts (the one app that is also a package).
    '^@latchkey/api$': '<rootDir>/apps/api/src/index.ts',
    '^@latchkey/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@latchkey/([a-z-]+)/testing$': '<rootDir>/packages/$1/src/testing/index.ts',
    '^@latchkey/client/node$': '<rootDir>/packages/client/src/node/index.ts',
  },
  resolver: '<rootDir>/tests/support/jest-resolver.cjs',
  setupFiles: ['<rootDir>/tests/support/jest-setup.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30_000,
  // Each test file loads the whole module graph anew, and a jest process keeps about 40 MB of every
  // file it ran (measured with --logHeapUsage --expose-gc: 110 MB after the first file, 848 MB
  // after twenty). Over test:db's sixty files that approached V8's 4.3 GB heap limit on this
  // machine, where garbage collection thrashed: a suite starting twenty applications then took
  // minutes instead of seconds. The worker (one, on two cores) is replaced between files once its
  // heap passes this; setting it also makes jest run the files in that worker, not in band.
  workerIdleMemoryLimit: '1GB',
  globalSetup: '<rootDir>/tests/support/global-setup.cjs',
  globalTeardown: '<rootDir>/tests/support/global-teardown.cjs',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,packages}/*/src/**/*.spec.ts'] },
    { ...base, displayName: 'integration', testMatch: ['<rootDir>/{apps,packages}/*/src/**/*.int-spec.ts'] },
    { ...base, displayName: 'contract', testMatch: ['<rootDir>/tests/contract/**/*.test.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'] },
    { ...base, displayName: 'security', testMatch: ['<rootDir>/tests/security/**/*.test.ts'] },
    // The AWS CDK app, synthesized offline, its templates checked (infra/aws).
    { ...base, displayName: 'infra', testMatch: ['<rootDir>/infra/aws/test/**/*.test.ts'] },
  ],
};
