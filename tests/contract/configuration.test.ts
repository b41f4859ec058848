import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { withServerSecrets } from '@latchkey/platform';
import { loadConfig } from '../../apps/api/src/api-config';
import { readAuthServiceConfig } from '../../apps/auth-service/src/auth-service-config';
import { readGatewayConfig } from '../../apps/gateway/src/gateway-config';
import { readUserServiceConfig } from '../../apps/user-service/src/user-service-config';

const root = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/**
 * The variables the API actually reads at start (the secrets' source, then loadConfig), recorded
 * by reading them through a Proxy.
 */
async function variablesReadByConfig(): Promise<string[]> {
  const seen = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, name) => {
      // `then`: the promise machinery asks it of any value an async function returns.
      if (typeof name === 'string' && name !== 'then') seen.add(name);
      return undefined;
    },
  });
  loadConfig(await withServerSecrets(env));
  return [...seen].sort();
}

function variablesIn(dotEnv: string): string[] {
  return [...dotEnv.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!).sort();
}

describe('deployment configuration stays in step with the code', () => {
  it('.env.example documents every variable the API reads, and no other', async () => {
    expect(variablesIn(read('.env.example'))).toEqual(await variablesReadByConfig());
  });

  it(".env.example's values are themselves a valid configuration", () => {
    const values = Object.fromEntries(
      [...read('.env.example').matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]),
    );
    expect(() => loadConfig(values)).not.toThrow();
  });

  it("docker-compose's api service names the same variables as .env.example", () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, unknown> }>;
    };
    expect(Object.keys(compose.services.api?.environment ?? {}).sort()).toEqual(
      variablesIn(read('.env.example')),
    );
    expect(compose.services).toHaveProperty('postgres');
    expect(compose.services).toHaveProperty('mailpit');
    expect(compose.services.api).toMatchObject({
      depends_on: { postgres: { condition: 'service_healthy' } },
    });
  });

  it('the image runs as a non-root user with a health check', () => {
    const dockerfile = read('infra/docker/Dockerfile');
    expect(dockerfile).toMatch(/^FROM .+ AS build$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
  });

  it("the image's application files are root's and read-only; only DATA_DIR is the runtime user's", () => {
    const runtime = read('infra/docker/Dockerfile').split(/^FROM .+ AS runtime$/m)[1]!;
    const copies = runtime.split('\n').filter((line) => line.startsWith('COPY '));
    expect(copies).toEqual(['COPY --from=build /out/ ./']);
    expect(runtime).toContain('chmod -R a-w,a+rX /app');
    expect(runtime).toMatch(/chown node:node \/app\/\.data/);
    // The operator commands, without pnpm: `docker compose exec api latchkey keys list`.
    expect(runtime).toContain('ln -s /app/apps/api/bin/latchkey /usr/local/bin/latchkey');
  });

  it('the GitHub workflow builds the image and waits for its health check; .ci/run lints both files', () => {
    const workflow = parse(read('.github/workflows/ci.yml')) as {
      jobs: Record<string, { steps: { run?: string }[] }>;
    };
    const image = workflow.jobs.image!.steps.map((step) => step.run ?? '').join('\n');
    expect(image).toContain('docker build -f infra/docker/Dockerfile');
    expect(image).toMatch(/docker compose up -d --build --wait/);
    expect(image).toContain('{{.State.Health.Status}}');
    const ci = read('.ci/run');
    expect(ci).toContain('pnpm exec dockerfilelint infra/docker/Dockerfile');
    expect(ci).toContain('docker-compose -f docker-compose.yml config -q');
  });
});

interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[];
  volumes?: string[];
  environment?: Record<string, string | number>;
}

describe("docker-compose's services profile (docker compose --profile services up gateway)", () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const readers = {
    'auth-service': readAuthServiceConfig,
    'user-service': readUserServiceConfig,
    gateway: readGatewayConfig,
  };
  const KEYS = '/app/.internal-keys';

  it("runs the three apps from the api's image, a database each, with the key maker's keys", () => {
    for (const name of Object.keys(readers)) {
      expect(compose.services[name]).toMatchObject({
        image: 'latchkey:local',
        profiles: ['services'],
        command: ['node', `apps/${name}/dist/main.js`],
      });
      expect(compose.services[name]!.volumes).toContain(`internalkeys:${KEYS}:ro`);
    }
    expect(compose.services['internal-keys']).toMatchObject({
      command: ['node', 'scripts/internal-keys.cjs', KEYS],
      volumes: [`internalkeys:${KEYS}`],
    });
    const databases = ['auth-service', 'user-service'].map((name) =>
      String(compose.services[name]!.environment!.DATABASE_URL).split('/').pop(),
    );
    expect(new Set(databases).size).toBe(2);
    for (const database of databases)
      expect(compose.services['services-databases']!.command!.join(' ')).toContain(database);
    // The services' events are theirs: the monolith's consumers and theirs never mix.
    expect(compose.services.gateway!.environment!.EVENTS_EXCHANGE).not.toBe(
      compose.services.api!.environment!.EVENTS_EXCHANGE,
    );
  });

  it('gives each app a configuration it accepts, naming only variables it reads', () => {
    const keys = mkdtempSync(path.join(tmpdir(), 'latchkey-compose-keys-'));
    try {
      execFileSync(process.execPath, [path.join(root, 'scripts', 'internal-keys.cjs'), keys]);
      for (const [name, readConfig] of Object.entries(readers)) {
        // As compose hands it over: defaults for what the shell leaves unset, the keys' volume here.
        const env = Object.fromEntries(
          Object.entries(compose.services[name]!.environment!).map(([variable, value]) => [
            variable,
            String(value)
              .replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')
              .replace(KEYS, keys),
          ]),
        );
        const seen = new Set<string>();
        const recorded = new Proxy(env, {
          get: (target, variable) => {
            if (typeof variable === 'string') seen.add(variable);
            return Reflect.get(target, variable) as unknown;
          },
        });
        expect({ name, problems: readConfig(recorded).problems }).toEqual({ name, problems: [] });
        expect({ name, unread: Object.keys(env).filter((variable) => !seen.has(variable)) }).toEqual({
          name,
          unread: [],
        });
      }
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
  });
});
