// `pnpm --filter @latchkey/web-demo start`: serves the built demo (vite build → dist/) on its own
// origin, http://localhost:PORT (5173), with /config.json naming the API (LATCHKEY_API_URL,
// http://localhost:3000 by default). The API must list this origin in CORS_ORIGINS.
// The browser suite serves it the same way (tests/browser).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
};

/** Serves dist/ on host:port (0: any free port); resolves to the server once it listens. */
export async function serveDemo({ apiUrl, port = 0, host = '127.0.0.1' }) {
  const config = JSON.stringify({ apiUrl });
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://demo');
    if (url.pathname === '/config.json') {
      response.writeHead(200, { 'content-type': TYPES['.json'], 'cache-control': 'no-store' });
      return response.end(config);
    }
    // Every other path is a file of dist/, or the app itself; nothing outside dist/.
    const file = path.join(DIST, path.normalize(url.pathname === '/' ? '/index.html' : url.pathname));
    if (!file.startsWith(`${DIST}${path.sep}`)) {
      response.writeHead(404);
      return response.end();
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 5173);
  const apiUrl = process.env.LATCHKEY_API_URL ?? 'http://localhost:3000';
  // The demo's own origin is localhost: to the API's cookie, the same site as localhost:3000.
  await serveDemo({ apiUrl, port, host: process.env.HOST ?? '127.0.0.1' });
  process.stdout.write(`Latchkey web demo on http://localhost:${port}, API ${apiUrl}\n`);
}
