import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { loadPlatformConfig } from './app-config';
import { ServerSecrets } from './server-secrets';
import { readAtStart, ServerSecretsUnavailable, withServerSecrets } from './server-secrets-source';

const PEPPER = 'a-pepper-of-more-than-thirty-two-characters-0123456789';
const metadata = { $metadata: {} };

describe('SERVER_SECRETS_ID: the server secrets from AWS Secrets Manager, read at start', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });
  beforeEach(() => secretsManager.reset());
  afterAll(() => secretsManager.restore());

  it('puts the secret’s variables into the environment the configuration is read from', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'latchkey/server' })
      .resolves({ SecretString: JSON.stringify({ REFRESH_TOKEN_PEPPER: PEPPER }) });
    const env = await withServerSecrets(
      { NODE_ENV: 'production', SERVER_SECRETS_ID: 'latchkey/server', PORT: '3000' },
      client(),
    );
    expect(env).toMatchObject({ REFRESH_TOKEN_PEPPER: PEPPER, PORT: '3000' });
    expect(new ServerSecrets(loadPlatformConfig({ ...env, NODE_ENV: 'test' })).refreshTokenPepper).toBe(
      PEPPER,
    );
  });

  it('reads several secrets named with commas, refusing a variable two of them hold', async () => {
    secretsManager
      .on(GetSecretValueCommand, { SecretId: 'latchkey/pepper' })
      .resolves({ SecretString: JSON.stringify({ REFRESH_TOKEN_PEPPER: PEPPER }) })
      .on(GetSecretValueCommand, { SecretId: 'latchkey/redis' })
      .resolves({ SecretString: JSON.stringify({ REDIS_PASSWORD: 'a-redis-token' }) })
      .on(GetSecretValueCommand, { SecretId: 'latchkey/again' })
      .resolves({ SecretString: JSON.stringify({ REDIS_PASSWORD: 'another-token' }) });
    expect(
      await withServerSecrets({ SERVER_SECRETS_ID: 'latchkey/pepper, latchkey/redis' }, client()),
    ).toMatchObject({ REFRESH_TOKEN_PEPPER: PEPPER, REDIS_PASSWORD: 'a-redis-token' });
    await expect(
      withServerSecrets({ SERVER_SECRETS_ID: 'latchkey/redis,latchkey/again' }, client()),
    ).rejects.toThrow(
      'SERVER_SECRETS_ID latchkey/again: REDIS_PASSWORD is also in another of the named secrets; keep one',
    );
    await expect(
      withServerSecrets({ SERVER_SECRETS_ID: 'latchkey/redis,latchkey/missing' }, client()),
    ).rejects.toThrow(ServerSecretsUnavailable);
  });

  it('asks nothing of AWS without SERVER_SECRETS_ID', async () => {
    const env = { NODE_ENV: 'test', REFRESH_TOKEN_PEPPER: PEPPER };
    expect(await withServerSecrets(env, client())).toBe(env);
    expect(secretsManager.calls()).toHaveLength(0);
  });

  it('refuses to start on a secret that is missing, unreadable, malformed, or overlaps the environment', async () => {
    const cases: [() => void, Record<string, string>, string][] = [
      [
        () =>
          secretsManager
            .on(GetSecretValueCommand)
            .rejects(new ResourceNotFoundException({ message: 'not found', ...metadata })),
        {},
        'SERVER_SECRETS_ID latchkey/server: no such secret',
      ],
      [
        () =>
          secretsManager
            .on(GetSecretValueCommand)
            // Not modelled by this client: the SDK names the error after AWS's code.
            .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })),
        {},
        'SERVER_SECRETS_ID latchkey/server: this role may not read it (secretsmanager:GetSecretValue)',
      ],
      [
        () => secretsManager.on(GetSecretValueCommand).resolves({ SecretString: PEPPER }),
        {},
        'SERVER_SECRETS_ID latchkey/server: must be a JSON object of variable → string',
      ],
      [
        () =>
          secretsManager
            .on(GetSecretValueCommand)
            .resolves({ SecretString: JSON.stringify({ NODE_ENV: 'development' }) }),
        {},
        'holds NODE_ENV, which is not a server secret',
      ],
      [
        () =>
          secretsManager
            .on(GetSecretValueCommand)
            .resolves({ SecretString: JSON.stringify({ REFRESH_TOKEN_PEPPER: 42 }) }),
        {},
        'REFRESH_TOKEN_PEPPER is not a non-empty string',
      ],
      [
        () =>
          secretsManager
            .on(GetSecretValueCommand)
            .resolves({ SecretString: JSON.stringify({ REFRESH_TOKEN_PEPPER: PEPPER }) }),
        { REFRESH_TOKEN_PEPPER: 'another-pepper-of-more-than-thirty-two-chars' },
        'REFRESH_TOKEN_PEPPER is also set in the environment; keep one',
      ],
    ];
    for (const [arrange, env, problem] of cases) {
      secretsManager.reset();
      arrange();
      const failure = await withServerSecrets(
        { SERVER_SECRETS_ID: 'latchkey/server', ...env },
        client(),
      ).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ServerSecretsUnavailable);
      expect((failure as Error).message).toContain(problem);
      // A value is never repeated in a message.
      expect((failure as Error).message).not.toContain(PEPPER);
    }
  });

  it('tells a server’s start the secret’s problem first, with the configuration’s own', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'not found', ...metadata }));
    process.env.SERVER_SECRETS_ID = 'latchkey/server';
    try {
      const { problems } = await readAtStart(() => ({ config: {}, problems: ['PORT: must be a port'] }));
      expect(problems).toEqual(['SERVER_SECRETS_ID latchkey/server: no such secret', 'PORT: must be a port']);
    } finally {
      delete process.env.SERVER_SECRETS_ID;
    }
  });
});
