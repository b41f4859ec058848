import { Client, Pool } from 'pg';
import { connectionConfig, rdsIamPassword } from './rds-iam-password';

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('rdsIamPassword (DATABASE_IAM_AUTH)', () => {
  it("makes an RDS connect token for the URL's host, port and user, signed for the region", async () => {
    const password = rdsIamPassword(
      'postgres://latchkey@proxy.example.internal:5432/latchkey?sslmode=verify-full',
      {
        region: 'eu-west-1',
        credentials,
      },
    );
    const token = await password();
    // The token is a presigned URL without its scheme: host:port/?Action=connect&DBUser=…&X-Amz-…
    const url = new URL(`https://${token}`);
    expect(url.host).toBe('proxy.example.internal:5432');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('latchkey');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/rds-db\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // Nothing of the secret key is in it.
    expect(token).not.toContain(credentials.secretAccessKey);
  });

  it('is called again for each connection, and refuses a URL without a user or a process without a region', async () => {
    const password = rdsIamPassword('postgres://latchkey@proxy:5432/db', {
      region: 'us-east-1',
      credentials,
    });
    expect(await password()).toMatch(/^proxy:5432\/\?Action=connect/);
    expect(() => rdsIamPassword('postgres://proxy:5432/db', { region: 'us-east-1' })).toThrow(
      /must name the database user/,
    );
    const saved = { region: process.env.AWS_REGION, fallback: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      expect(() => rdsIamPassword('postgres://latchkey@proxy:5432/db')).toThrow(/AWS_REGION must be set/);
    } finally {
      if (saved.region !== undefined) process.env.AWS_REGION = saved.region;
      if (saved.fallback !== undefined) process.env.AWS_DEFAULT_REGION = saved.fallback;
    }
  });

  it('reaches node-postgres as the password of every connection, the URL giving the rest', async () => {
    const url = 'postgres://latchkey@proxy.example.internal:5432/latchkey?sslmode=verify-full';
    const password = rdsIamPassword(url, { region: 'eu-west-1', credentials });
    // What pg's Client makes of the configuration: the function, not the URL's empty password.
    const client = new Client(connectionConfig(url, password)) as unknown as {
      password: unknown;
      user: string;
      host: string;
      port: number;
      database: string;
      ssl: unknown;
    };
    expect(client.password).toBe(password);
    expect([client.user, client.host, client.port, client.database]).toEqual([
      'latchkey',
      'proxy.example.internal',
      5432,
      'latchkey',
    ]);
    expect(client.ssl).toBeTruthy();
    // A pool hands the same configuration to each client it makes.
    const pool = new Pool({ ...connectionConfig(url, password), max: 2 }) as unknown as {
      options: { password: unknown };
    };
    expect(pool.options.password).toBe(password);
    await (pool as unknown as Pool).end();
    // Without IAM authentication, the URL as it is.
    expect(connectionConfig(url)).toEqual({ connectionString: url });
  });

  it('would have lost the function beside a connection string (why connectionConfig exists)', () => {
    const password = async () => 'token';
    const client = new Client({
      connectionString: 'postgres://latchkey@proxy:5432/db',
      password,
    }) as unknown as { password: unknown };
    expect(client.password).not.toBe(password);
  });
});
