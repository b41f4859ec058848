// The hexagon's walls and the packages' doors, checked in CI (`pnpm lint`). No carve-outs: a rule
// that needs one is wrong.
const INFRASTRUCTURE =
  '^(drizzle-orm|pg|@electric-sql/pglite|argon2|jose|fastify|@fastify/.+|pino|ioredis|nodemailer)$';
const MODULES = '(identity|user-profile)';
const TEST_CODE = ['\\.(spec|int-spec)\\.ts$', '^(apps|packages)/[^/]+/src/testing/', '^tests/'];

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports no framework, no database, no crypto library, and no other layer.',
      severity: 'error',
      from: { path: `^packages/${MODULES}/src/domain/` },
      to: {
        pathNot: ['^packages/$1/src/domain/', '^packages/shared-kernel/src/', '^packages/contracts/'],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'domain-no-node-io',
      comment: 'Time, randomness and I/O reach the domain through ports.',
      severity: 'error',
      from: { path: `^packages/${MODULES}/src/domain/` },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'application-uses-ports-not-adapters',
      comment: 'Use cases depend on ports (abstract classes), never on adapters or infrastructure packages.',
      severity: 'error',
      from: { path: `^packages/${MODULES}/src/application/` },
      to: {
        path: [
          `^packages/${MODULES}/src/adapters/`,
          '^packages/platform[^/]*/',
          `node_modules/(${INFRASTRUCTURE.slice(1, -1)})/`,
        ],
      },
    },
    {
      name: 'application-nest-only-injectable',
      comment: 'Use cases may carry @Injectable() (from @nestjs/common) and nothing else from Nest.',
      severity: 'error',
      from: { path: `^packages/${MODULES}/src/(application|domain)/` },
      to: { path: 'node_modules/@nestjs/(?!common/)' },
    },
    {
      name: 'shared-kernel-is-pure',
      severity: 'error',
      from: { path: '^packages/shared-kernel/src/', pathNot: TEST_CODE },
      to: { pathNot: ['^packages/shared-kernel/', '^packages/contracts/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'packages-meet-through-their-entry',
      comment:
        "A package reaches another only through its entry (src/index.ts), or its test door (src/testing/index.ts) from test code, or an entry its package.json exports (the client's `@latchkey/client/node`): never another package's internals.",
      severity: 'error',
      from: { path: '^(apps|packages|tests)/([^/]+)' },
      to: {
        path: '^packages/[^/]+/src/.+',
        pathNot: [
          '^packages/$2/',
          '^packages/[^/]+/src/index\\.ts$',
          '^packages/[^/]+/src/testing/index\\.ts$',
          '^packages/client/src/node/index\\.ts$',
        ],
      },
    },
    {
      name: 'packages-never-import-apps',
      comment: 'Apps are composition roots over the packages; a package serves every one of them.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'user-profile-imports-no-module',
      comment:
        'user-profile declares ports for what it needs (accounts, audit trail, authentication) and the composition root binds them; it never imports identity.',
      severity: 'error',
      from: { path: '^packages/user-profile/' },
      to: { path: '^packages/identity/' },
    },
    {
      name: 'platform-imports-no-module',
      comment: 'Cross-cutting infrastructure serves every deployment, whichever modules it hosts.',
      severity: 'error',
      from: { path: '^packages/(platform[^/]*|shared-kernel|contracts)/' },
      to: { path: `^packages/${MODULES}/` },
    },
    {
      name: 'platform-layers',
      comment:
        'platform is what every deployment needs; platform-messaging builds on it; platform-http on both. Never the reverse, so a worker needs no HTTP edge.',
      severity: 'error',
      from: { path: '^packages/platform(-messaging)?/' },
      to: { path: '^packages/platform-(http|messaging)/', pathNot: '^packages/platform$1/' },
    },
    {
      name: 'only-tests-use-test-doors',
      comment:
        "A package's or app's testing/ (fakes, white-box handles) is for specs and suites, never production code.",
      severity: 'error',
      from: { path: '^(apps|packages)/', pathNot: TEST_CODE },
      to: { path: '^(apps|packages)/[^/]+/src/testing/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^(apps|packages)/[^/]+/dist/', '^(apps|packages|tests)/[^/]*/?node_modules/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
