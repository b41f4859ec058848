// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.data/**',
      'coverage/**',
      'packages/client/src/generated/**',
      // pnpm serverless:bundle's output (gitignored)
      'apps/serverless/bundle/**',
      // pnpm infra:synth's output (gitignored)
      'infra/aws/cdk.out/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Nest resolves constructor parameters from emitted decorator metadata; a type-only import
    // of an injected class would erase the runtime reference it needs.
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // Layering by import *name* (dependency-cruiser checks the rest): a use case may carry
    // @Injectable() and nothing else from Nest; the domain takes nothing from Nest at all.
    files: ['packages/{identity,user-profile}/src/application/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/common',
              allowImportNames: ['Injectable'],
              message: 'Use cases may only use @Injectable() from Nest.',
            },
          ],
        },
      ],
    },
  },
  {
    // class-validator's IsOptional skips every rule for null as well as for absent fields, which let
    // `{"email": null}` reach the use cases; Optional() (@latchkey/platform-http) skips absent only.
    files: ['packages/*/src/**/adapters/http/**/*.ts', 'apps/*/src/testing/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'class-validator',
              importNames: ['IsOptional'],
              message: 'Use Optional() from @latchkey/platform-http: IsOptional lets null through.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/{identity,user-profile}/src/domain/**/*.ts', 'packages/shared-kernel/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@nestjs/*'], message: 'The domain is framework-free.' }] },
      ],
    },
  },
  {
    // A business module is never @Global: another module that needs its capability declares a
    // port, and the composition root binds it (docs/architecture.md, "Wiring"). Platform
    // infrastructure (the database, config, Redis) may stay global.
    files: ['packages/{identity,user-profile}/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "Decorator > CallExpression[callee.name='Global']",
          message: 'Business modules are not global: declare a port and let the composition root bind it.',
        },
      ],
    },
  },
  {
    files: [
      'tests/**/*.ts',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
      'tests/**/*.cjs',
      'apps/*/src/testing/**',
      'packages/*/src/testing/**',
    ],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The benchmark harness and the web demo's server: plain ESM run by node (no build step), so
    // they name Node's globals.
    files: ['tests/perf/**/*.mjs', 'apps/web-demo/serve.mjs', 'apps/serverless/scripts/**/*.mjs'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearTimeout: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
      },
    },
  },
  {
    // The development pages' script runs in a browser, as a classic script (no build step).
    files: ['packages/*/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', URLSearchParams: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        globalThis: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
