import {
  ActivateSigningKey,
  AddSigningKey,
  ExportPublicKey,
  ImportSigningKey,
  ListSigningKeys,
  RemoveSigningKey,
  RetireSigningKey,
  RevokeSigningKey,
} from '@latchkey/identity';
import { readFile } from 'node:fs/promises';
import { type CliIo, type CliOverrides, parseArgs, processIo, runCli, UsageError } from './cli-context';

export const KEYS_USAGE = `usage: pnpm keys <command>

  list [--json]                      every key: kid, state, source, created, activated, retired, removable
                                     (and the AWS KMS key's ARN, for a key KMS holds)
  add [--bits 2048|3072|4096]        generate an RSA key and publish it as "next" (in JWKS, not signing);
                                     with KEYS_CUSTODY=kms the key is made inside AWS KMS
  activate <kid> [--force]           make it the signing key; the current one is retired.
                                     Refused for a key published less than JWKS_CACHE_TTL_SECONDS ago
  retire <kid>                       withdraw a "next" key that should never sign
  remove <kid>                       delete a key; refused while tokens it signed may still be valid.
                                     A KMS-held key is scheduled for deletion in KMS (30 days)
  revoke <kid>                       EMERGENCY: drop it from JWKS and refuse its tokens now; revoking
                                     the active key activates a freshly generated one
  import <private-key.pem>           bring in an RSA private key (PKCS#8 or PKCS#1) as "next"
                                     (refused with KEYS_CUSTODY=kms)
  export-public <kid> [--format pem|jwk]   print the public key`;

const date = (value: Date | null) => value?.toISOString() ?? '-';

/** `pnpm keys …`: the signing-key runbook's commands. Every change is audited (SigningKeyChanged). */
export async function runKeysCli(
  argv: string[],
  io: CliIo = processIo,
  overrides: CliOverrides = {},
): Promise<number> {
  const { positional, options } = parseArgs(argv, ['force', 'json']);
  const [given, kid] = positional;
  const run = { tool: 'keys', usage: KEYS_USAGE, command: given, io, overrides, help: options.has('help') };
  return runCli(run, async (open, command) => {
    const requireKid = () => {
      if (!kid) throw new UsageError(`keys ${command}: a kid is required`);
      return kid;
    };
    if (
      !['list', 'add', 'activate', 'retire', 'remove', 'revoke', 'import', 'export-public'].includes(command)
    ) {
      throw new UsageError(`unknown command: ${command}`);
    }
    const ctx = await open();
    switch (command) {
      case 'list': {
        const keys = await ctx.get(ListSigningKeys).execute();
        if (options.has('json')) {
          io.out(JSON.stringify(keys, null, 2));
          return;
        }
        io.out(['kid', 'state', 'source', 'created', 'activated', 'retired', 'removable'].join('\t'));
        for (const key of keys) {
          io.out(
            [
              key.kid,
              key.state,
              key.source,
              date(key.createdAt),
              date(key.activatedAt),
              date(key.retiredAt),
              date(key.removableAt),
              ...(key.kmsKeyId === undefined ? [] : [key.kmsKeyId]),
            ].join('\t'),
          );
        }
        return;
      }
      case 'add': {
        const bits = options.get('bits');
        if (bits !== undefined && !['2048', '3072', '4096'].includes(String(bits))) {
          throw new UsageError('--bits must be 2048, 3072 or 4096');
        }
        const key = await ctx
          .get(AddSigningKey)
          .execute({ bits: bits === undefined ? undefined : Number(bits) }, 'cli');
        io.out(`added ${key.kid} (next: published in JWKS, not signing)`);
        const signing = (await ctx.get(ListSigningKeys).execute()).some((each) => each.state === 'active');
        // With no key signing yet, no verifier can hold a cached JWKS that lacks this one.
        io.out(
          signing
            ? `activate it after ${ctx.config.identity.keys.jwksCacheTtlSeconds} s (JWKS_CACHE_TTL_SECONDS): pnpm keys activate ${key.kid}`
            : `no key signs yet, so it can be activated now: pnpm keys activate ${key.kid}`,
        );
        return;
      }
      case 'activate': {
        const { retired } = await ctx
          .get(ActivateSigningKey)
          .execute({ kid: requireKid(), force: options.has('force') }, 'cli');
        io.out(`activated ${kid}${retired ? `; retired ${retired}` : ''}`);
        return;
      }
      case 'retire':
        await ctx.get(RetireSigningKey).execute({ kid: requireKid() }, 'cli');
        io.out(`retired ${kid}`);
        return;
      case 'remove':
        await ctx.get(RemoveSigningKey).execute({ kid: requireKid() }, 'cli');
        io.out(`removed ${kid}`);
        return;
      case 'revoke': {
        const { replacement } = await ctx.get(RevokeSigningKey).execute({ kid: requireKid() }, 'cli');
        io.out(`revoked ${kid}: dropped from JWKS, its tokens are refused`);
        if (replacement) io.out(`activated replacement ${replacement}`);
        return;
      }
      case 'import': {
        const file = requireKid();
        const key = await ctx
          .get(ImportSigningKey)
          .execute({ privateKeyPem: await readFile(file, 'utf8') }, 'cli');
        io.out(`imported ${key.kid} (next)`);
        return;
      }
      case 'export-public': {
        const format = options.get('format') ?? 'pem';
        if (format !== 'pem' && format !== 'jwk') throw new UsageError('--format must be pem or jwk');
        const exported = await ctx.get(ExportPublicKey).execute({ kid: requireKid(), format });
        io.out(typeof exported === 'string' ? exported.trimEnd() : JSON.stringify(exported, null, 2));
        return;
      }
    }
  });
}

if (require.main === module) {
  void runKeysCli(process.argv.slice(2)).then((code) => process.exit(code));
}
