import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository's root (where pnpm-workspace.yaml is), from the sources or from dist/. */
export function repositoryRoot(from = __dirname): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir))
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
  throw new Error(`no pnpm-workspace.yaml above ${from}`);
}
