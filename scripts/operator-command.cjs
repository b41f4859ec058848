// `pnpm keys|sessions|users|audit-events|mail|events …`: runs the built operator command, building the workspace first
// when it has not been built yet (a fresh clone), instead of failing with Node's stack trace.
const { execFileSync, spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const CLI_DIR = path.resolve(__dirname, '..', 'apps', 'api', 'dist', 'cli');
const COMMANDS = ['keys', 'sessions', 'users', 'audit-events', 'mail', 'events', 'migrate'];

/** Builds with `build` when `file` is missing; says so on stderr first. */
function ensureBuilt(file, build, log = (line) => process.stderr.write(`${line}\n`)) {
  if (existsSync(file)) return;
  log(`${path.relative(process.cwd(), file)} is not built yet: running pnpm build first (about 10 s)…`);
  build();
  if (!existsSync(file)) throw new Error(`pnpm build did not produce ${file}`);
}

function main(argv) {
  const [command, ...args] = argv;
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`usage: node scripts/operator-command.cjs ${COMMANDS.join('|')} …\n`);
    return 2;
  }
  const file = path.join(CLI_DIR, `${command}.js`);
  try {
    ensureBuilt(file, () =>
      execFileSync('pnpm', ['build'], {
        cwd: path.resolve(__dirname, '..'),
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
  } catch (error) {
    process.stderr.write(`failed: ${error.message}\n`);
    return 1;
  }
  return spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' }).status ?? 1;
}

module.exports = { ensureBuilt };

if (require.main === module) process.exit(main(process.argv.slice(2)));
