import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RouteCatalog } from '../openapi/route-catalog';

const SCRIPT_PATH = '/dev-pages/account-pages.js';
// This package's assets: src/http/ and dist/http/ both sit two levels below its root.
const SCRIPT = readFileSync(
  path.resolve(__dirname, '..', '..', 'assets', 'dev-pages', 'account-pages.js'),
  'utf8',
);

const page = (kind: 'verify' | 'reset', title: string, body: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Latchkey (development)</title>
<script src="${SCRIPT_PATH}" defer></script>
</head>
<body data-page="${kind}" style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;line-height:1.5">
<h1>${title}</h1>
${body}
<p id="status">Working…</p>
<p style="color:#666;font-size:0.9em">A development page of the Latchkey API, served because
APP_BASE_URL is not set. In production the links in emails open your web app
(APP_BASE_URL), which posts the token to the API as this page does.</p>
</body>
</html>
`;

const VERIFY_PAGE = page('verify', 'Verify your email address', '');
const RESET_PAGE = page(
  'reset',
  'Choose a new password',
  `<form id="reset" hidden>
<label>New password <input name="newPassword" type="password" autocomplete="new-password" required minlength="8"></label>
<button type="submit">Set password</button>
</form>`,
);

/**
 * In development with APP_BASE_URL unset, the links in emails point at this API: these minimal
 * pages answer them (instead of a 404) and post the token back, as the product's web app would.
 * Not part of the HTTP contract: never served in production or tests, and kept out of the route
 * catalog the contract suite compares with docs/openapi.yaml.
 */
export function serveDevAccountPages(
  fastify: FastifyInstance,
  routes: RouteCatalog,
  paths: { verifyEmailPath: string; passwordResetPath: string },
): void {
  const html = (content: string) => (_request: unknown, reply: FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(content);
  for (const url of [paths.verifyEmailPath, paths.passwordResetPath, SCRIPT_PATH]) routes.ignore(url);
  fastify.get(paths.verifyEmailPath, html(VERIFY_PAGE));
  fastify.get(paths.passwordResetPath, html(RESET_PAGE));
  fastify.get(SCRIPT_PATH, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(SCRIPT),
  );
}
