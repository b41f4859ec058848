// The hexagon's walls, checked in CI (`pnpm lint`). No carve-outs: a rule that needs one is wrong.
const INFRASTRUCTURE =
  '^(drizzle-orm|pg|@electric-sql/pglite|argon2|jose|fastify|@fastify/.+|pino|ioredis|nodemailer)$';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports no framework, no database, no crypto library, and no other layer.',
      severity: 'error',
      from: { path: '^apps/api/src/modules/[^/]+/domain/' },
      to: {
        pathNot: [
          '^apps/api/src/modules/[^/]+/domain/',
          '^apps/api/src/shared-kernel/',
          '^packages/contracts/',
        ],
        dependencyTypesNot: ['core'],
      },
    },
    {
      name: 'domain-no-node-io',
      comment: 'Time, randomness and I/O reach the domain through ports.',
      severity: 'error',
      from: { path: '^apps/api/src/modules/[^/]+/domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'application-uses-ports-not-adapters',
      comment: 'Use cases depend on ports (abstract classes), never on adapters or infrastructure packages.',
      severity: 'error',
      from: { path: '^apps/api/src/modules/[^/]+/application/' },
      to: {
        path: [
          '^apps/api/src/modules/[^/]+/adapters/',
          '^apps/api/src/platform/',
          `node_modules/(${INFRASTRUCTURE.slice(1, -1)})/`,
        ],
      },
    },
    {
      name: 'application-nest-only-injectable',
      comment: 'Use cases may carry @Injectable() (from @nestjs/common) and nothing else from Nest.',
      severity: 'error',
      from: { path: '^apps/api/src/modules/[^/]+/(application|domain)/' },
      to: { path: 'node_modules/@nestjs/(?!common/)' },
    },
    {
      name: 'shared-kernel-is-pure',
      severity: 'error',
      from: { path: '^apps/api/src/shared-kernel/' },
      to: { pathNot: ['^apps/api/src/shared-kernel/', '^packages/contracts/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'modules-meet-through-index',
      comment: 'A module reaches another only through its index.ts (its published surface).',
      severity: 'error',
      from: { path: '^apps/api/src/modules/([^/]+)/' },
      to: {
        path: '^apps/api/src/modules/([^/]+)/.+',
        pathNot: ['^apps/api/src/modules/$1/', '^apps/api/src/modules/[^/]+/index\\.ts$'],
      },
    },
    {
      name: 'user-profile-imports-no-module',
      comment:
        'user-profile declares ports for what it needs (accounts, audit trail, authentication) and the composition root binds them; it never imports identity.',
      severity: 'error',
      from: { path: '^apps/api/src/modules/user-profile/' },
      to: { path: '^apps/api/src/modules/(?!user-profile/)' },
    },
    {
      name: 'platform-imports-no-module',
      comment: 'Cross-cutting infrastructure serves every deployment, whichever modules it hosts.',
      severity: 'error',
      from: { path: '^apps/api/src/(platform|shared-kernel)/' },
      to: { path: '^apps/api/src/modules/' },
    },
    {
      name: 'callers-through-module-doors',
      comment:
        'The CLI, the composition root, app-level test support and the black-box suites reach a module only through its index.ts, or its testing/index.ts for tests.',
      severity: 'error',
      from: { path: '^(apps/api/src/(?!modules/)|tests/)' },
      to: {
        path: '^apps/api/src/modules/[^/]+/.+',
        pathNot: [
          '^apps/api/src/modules/[^/]+/index\\.ts$',
          '^apps/api/src/modules/[^/]+/testing/index\\.ts$',
        ],
      },
    },
    {
      name: 'only-tests-use-test-doors',
      comment:
        "A module's testing/ (fakes, white-box handles) is for specs and suites, never for production code.",
      severity: 'error',
      from: {
        path: '^apps/api/src/',
        pathNot: [
          '\\.(spec|int-spec)\\.ts$',
          '^apps/api/src/testing/',
          '^apps/api/src/modules/[^/]+/testing/',
        ],
      },
      to: { path: '^apps/api/src/modules/[^/]+/testing/' },
    },
    {
      name: 'no-test-code-in-production',
      severity: 'error',
      from: {
        path: '^apps/api/src/',
        pathNot: [
          '\\.(spec|int-spec)\\.ts$',
          '^apps/api/src/testing/',
          '^apps/api/src/modules/[^/]+/testing/',
        ],
      },
      to: { path: '^apps/api/src/testing/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(apps|packages)/[^/]+/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
