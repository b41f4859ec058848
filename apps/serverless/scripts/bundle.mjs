#!/usr/bin/env node
// `pnpm serverless:bundle [--arch x64|arm64]`: one directory per Lambda function under
// apps/serverless/bundle/<function>/ (index.mjs, the assets it reads, the one native package),
// zipped beside it, with the sizes reported. Built from the compiled packages (pnpm build): esbuild
// does not emit the decorator metadata Nest's injection reads, tsc did.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const APP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = path.resolve(APP, '..', '..');
export const BUNDLE_DIR = path.join(APP, 'bundle');
const OUT = BUNDLE_DIR;

/** Each function: its entry, run at init by the module's top level (Lambda's init phase). */
const FUNCTIONS = {
  http: `import { initHttpFunction, handleHttp } from ${dist('handlers/http.js')};
const fn = await initHttpFunction();
export const handler = (event, context) => handleHttp(fn, event, context);`,
  scheduled: `import { initScheduledFunction, runScheduledTask } from ${dist('handlers/scheduled.js')};
const fn = await initScheduledFunction();
export const handler = (event) => runScheduledTask(fn, event);`,
  migrate: `import { migrate } from ${dist('handlers/migrate.js')};
export const handler = () => migrate();`,
};

function dist(file) {
  return JSON.stringify(path.join(APP, 'dist', file));
}

/**
 * Never loaded on Lambda, so left out: Nest's optional integrations (loaded only if installed),
 * pg's native driver, and the embedded PGlite (DATABASE_URL is required on Lambda). argon2 and
 * swagger-ui-dist are loaded from the bundle's node_modules (a native addon; files served by path).
 */
const EXTERNAL = [
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets',
  '@nestjs/websockets/*',
  '@nestjs/platform-express',
  '@fastify/view',
  '@fastify/multipart',
  'class-transformer/storage',
  'pg-native',
  '@electric-sql/pglite',
  '@electric-sql/pglite/*',
  'drizzle-orm/pglite',
  'argon2',
  'swagger-ui-dist',
];

/**
 * The workspace's compiled files find their assets by `__dirname` (migrations, the OpenAPI
 * document, the password blocklist, the development pages). In one bundle every module would
 * share the bundle's: each file's `__dirname` becomes its own directory inside the bundle, where
 * the assets are copied under the same relative paths.
 */
const workspaceDirname = {
  name: 'workspace-dirname',
  setup(build) {
    build.onLoad({ filter: /[\\/](apps|packages)[\\/][^\\/]+[\\/]dist[\\/].+\.js$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('__dirname')) return undefined;
      const relative = path.relative(ROOT, path.dirname(args.path)).split(path.sep).join('/');
      return {
        contents: source.replace(/\b__dirname\b/g, `__latchkeyDir(${JSON.stringify(relative)})`),
        loader: 'js',
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

const BANNER = `import { createRequire as __createRequire } from 'node:module';
import { fileURLToPath as __fileURLToPath } from 'node:url';
import { dirname as __dirnameOf, join as __join } from 'node:path';
const require = __createRequire(import.meta.url);
const __filename = __fileURLToPath(import.meta.url);
const __dirname = __dirnameOf(__filename);
const __latchkeyDir = (relative) => __join(__dirname, relative);`;

/** What the workspace reads by path at run time, copied under the same relative paths. */
const ASSETS = [
  'docs/openapi.yaml',
  'apps/api/drizzle',
  'packages/identity/migrations',
  'packages/identity/assets',
  'packages/platform-http/migrations',
  'packages/platform-http/assets',
  'packages/platform-messaging/migrations',
  'packages/user-profile/migrations',
];

const requireFromApi = createRequire(path.join(ROOT, 'apps', 'api', 'package.json'));
const packageDir = (name, from = requireFromApi) => path.dirname(from.resolve(`${name}/package.json`));

/**
 * argon2 as this install built it (build/Release: node-gyp-build loads that first), and its two
 * dependencies. Its prebuilt binaries are not used: 0.45's crashed on load on this project's
 * machine (../shared/NOTES.md). A deployment bundle is therefore made on Lambda's platform
 * (Amazon Linux 2023, e.g. in the public.ecr.aws/lambda/nodejs image), whose glibc the binary
 * must match; without a build, the prebuilt binary for `arch` is taken, as a fallback.
 */
function copyArgon2(modules, arch) {
  const argon2 = packageDir('argon2');
  const from = createRequire(path.join(argon2, 'package.json'));
  const target = path.join(modules, 'argon2');
  for (const file of ['package.json', 'argon2.cjs', 'LICENSE'])
    cpSync(path.join(argon2, file), path.join(target, file));
  const built = path.join(argon2, 'build', 'Release', 'argon2.node');
  if (existsSync(built)) {
    if (arch !== process.arch)
      throw new Error(`argon2 was built for ${process.arch}: bundle for ${arch} on such a machine`);
    cpSync(built, path.join(target, 'build', 'Release', 'argon2.node'));
  } else {
    cpSync(path.join(argon2, 'prebuilds', `linux-${arch}`), path.join(target, 'prebuilds', `linux-${arch}`), {
      recursive: true,
      filter: (file) => statSync(file).isDirectory() || file.endsWith('.glibc.node'),
    });
  }
  for (const dependency of ['@phc/format', 'node-gyp-build'])
    cpSync(packageDir(dependency, from), path.join(modules, dependency), { recursive: true });
}

/** The Swagger UI's files that /docs serves (the package also ships builds for bundlers: 10 MB). */
function copySwaggerUi(modules) {
  const from = createRequire(path.join(packageDir('@nestjs/swagger'), 'package.json'));
  const ui = packageDir('swagger-ui-dist', from);
  const target = path.join(modules, 'swagger-ui-dist');
  for (const file of readdirSync(ui)) {
    if (/\.map$|-es-|-es\.|\.d\.ts$|^swagger-ui\.js$|README/.test(file)) continue;
    if (!/\.(js|css|html|png|json)$|^LICENSE$|^NOTICE$/.test(file)) continue;
    cpSync(path.join(ui, file), path.join(target, file));
  }
}

function sizeOf(target) {
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((total, entry) => total + sizeOf(path.join(target, entry)), 0);
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/**
 * Bundles each function for Lambda's `arch` (x64: x86_64, or arm64) and returns, per function, its
 * sizes in bytes (index.mjs, the directory, the zip) and the five packages that weigh most in index.mjs.
 */
export async function bundleFunctions({ arch = 'x64' } = {}) {
  if (!['x64', 'arm64'].includes(arch))
    throw new Error(`--arch x64 or arm64 (Lambda's x86_64 or arm64), not ${arch}`);
  if (!existsSync(path.join(APP, 'dist', 'handlers', 'http.js'))) {
    throw new Error('apps/serverless/dist is missing: run `pnpm build` first');
  }
  rmSync(OUT, { recursive: true, force: true });
  const report = [];
  for (const [name, entry] of Object.entries(FUNCTIONS)) {
    const dir = path.join(OUT, name);
    const result = await build({
      stdin: { contents: entry, resolveDir: APP, sourcefile: `${name}.mjs`, loader: 'js' },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: path.join(dir, 'index.mjs'),
      banner: { js: BANNER },
      // Not the root tsconfig.json, whose paths map the packages to their TypeScript sources.
      tsconfig: path.join(APP, 'tsconfig.build.json'),
      external: EXTERNAL,
      plugins: [workspaceDirname],
      // Nest resolves providers by class name in places and logs them: names stay as written.
      keepNames: true,
      minify: true,
      legalComments: 'none',
      metafile: true,
      logLevel: 'warning',
    });
    for (const asset of ASSETS) cpSync(path.join(ROOT, asset), path.join(dir, asset), { recursive: true });
    const modules = path.join(dir, 'node_modules');
    copyArgon2(modules, arch);
    if (name === 'http') copySwaggerUi(modules);
    writeFileSync(path.join(OUT, `${name}.meta.json`), JSON.stringify(result.metafile));
    const zip = path.join(OUT, `${name}.zip`);
    execFileSync('zip', ['-qr9', zip, '.'], { cwd: dir });
    const inputs = {};
    for (const [file, { bytesInOutput }] of Object.entries(
      result.metafile.outputs[Object.keys(result.metafile.outputs).find((out) => out.endsWith('index.mjs'))]
        .inputs,
    )) {
      const owner =
        /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ??
        'latchkey (workspace)';
      inputs[owner] = (inputs[owner] ?? 0) + bytesInOutput;
    }
    report.push({
      function: name,
      entry: path.join(dir, 'index.mjs'),
      indexBytes: sizeOf(path.join(dir, 'index.mjs')),
      unzippedBytes: sizeOf(dir),
      zippedBytes: sizeOf(zip),
      largest: Object.entries(inputs)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([owner, bytes]) => ({ package: owner, bytes })),
    });
  }
  return report;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arch = process.argv.includes('--arch') ? process.argv[process.argv.indexOf('--arch') + 1] : 'x64';
  const report = await bundleFunctions({ arch });
  console.table(
    report.map((fn) => ({
      function: fn.function,
      'index.mjs': mb(fn.indexBytes),
      unzipped: mb(fn.unzippedBytes),
      zipped: mb(fn.zippedBytes),
      largest: fn.largest.map((owner) => `${owner.package} ${mb(owner.bytes)}`).join(', '),
    })),
  );
}
