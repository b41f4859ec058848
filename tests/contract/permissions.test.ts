import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GLOBAL_ROLE_PERMISSIONS, ORGANIZATION_ROLE_PERMISSIONS, permissionsOf } from '@latchkey/contracts';
import { AccessTokenIssuer } from '@latchkey/identity/testing';
import { claimsOf, registerAndLogin } from '../support/auth';
import { contract, startTestApp, type TestApp } from '../support/test-app';

const ALL = permissionsOf(['user', 'admin']);
const SECURITY_MD = path.resolve(__dirname, '..', '..', 'docs', 'security.md');

/** The operations whose only security is a bearer token, with the permissions it must carry. */
function bearerOperations(): { method: string; path: string; permissions: string[] }[] {
  return contract.operations().flatMap(({ method, path: template }) => {
    const operation = contract.paths[template]![method.toLowerCase()] as {
      security?: Record<string, string[]>[];
    };
    const requirements = operation.security ?? [];
    if (requirements.length !== 1 || !requirements[0]!.bearerAuth) return [];
    return [{ method, path: template, permissions: requirements[0]!.bearerAuth }];
  });
}

describe('permissions: the contract names what each bearer operation requires, and the server enforces it', () => {
  let app: TestApp;
  let session: { userId: string; sessionId: string };
  beforeAll(async () => {
    app = await startTestApp();
    const { userId, tokens } = await registerAndLogin(app);
    session = { userId, sessionId: claimsOf(tokens.accessToken).sid as string };
  });
  afterAll(() => app.close());

  const tokenWith = async (permissions: string[]) =>
    (
      await app.latchkey.app.get(AccessTokenIssuer, { strict: false }).issue({
        ...session,
        roles: ['user', 'admin'],
        permissions,
      })
    ).token;

  it('every bearer-only operation names at least one permission, each one the mapping grants', () => {
    const operations = bearerOperations();
    expect(operations.length).toBeGreaterThanOrEqual(16);
    for (const operation of operations) {
      expect({ ...operation, permissions: operation.permissions.length > 0 }).toEqual({
        ...operation,
        permissions: true,
      });
      for (const permission of operation.permissions) expect(ALL).toContain(permission);
    }
  });

  it('refuses each bearer operation a token holding every permission but the ones it names', async () => {
    const refusals: string[] = [];
    for (const operation of bearerOperations()) {
      const token = await tokenWith(ALL.filter((permission) => !operation.permissions.includes(permission)));
      const url = operation.path
        .replace('{id}', '0190a5b2-0000-7000-8000-00000000aaaa')
        .replace('{userId}', '0190a5b2-0000-7000-8000-00000000bbbb');
      const response = await app.api[operation.method.toLowerCase() as 'get'](url)
        .set('authorization', `Bearer ${token}`)
        .send({});
      const named = (response.body as { details?: { message: string }[] }).details?.map((d) => d.message);
      if (
        response.status !== 403 ||
        response.headers['www-authenticate'] !== 'Bearer error="insufficient_scope"' ||
        JSON.stringify(named) !== JSON.stringify(operation.permissions.map((p) => `requires ${p}`))
      ) {
        refusals.push(`${operation.method} ${operation.path}: ${response.status} ${JSON.stringify(named)}`);
      }
    }
    expect(refusals).toEqual([]);
  });

  it('docs/security.md shows the mapping the code applies, role by role', () => {
    const text = readFileSync(SECURITY_MD, 'utf8');
    const rows = new Map(
      [...text.matchAll(/^\| `([A-Za-z_]+)` +\| ((?:`[a-z:]+` ?)+) *\|$/gm)].map((row) => [
        row[1]!,
        [...row[2]!.matchAll(/`([a-z:]+)`/g)].map((m) => m[1]),
      ]),
    );
    for (const [role, permissions] of Object.entries({
      ...GLOBAL_ROLE_PERMISSIONS,
      ...ORGANIZATION_ROLE_PERMISSIONS,
    })) {
      expect([role, rows.get(role)]).toEqual([role, [...permissions]]);
    }
    expect(rows.size).toBe(5);
  });
});
