// Ceiling for login and register: how many argon2id verifications (and hashes) per second this
// machine does with the API's production parameters and the API's own concurrency cap.
import { loadApiConfig, requireFromApi } from '../lib/api-modules.mjs';
import { serveOnce } from '../lib/child.mjs';
import { closedLoop } from '../lib/stats.mjs';

const argon2 = requireFromApi('argon2');

serveOnce(async ({ seconds, warmupSeconds }) => {
  // Started with the API's environment, so the parameters, PASSWORD_HASH_CONCURRENCY and
  // UV_THREADPOOL_SIZE are the ones the API resolves.
  const { memoryKib, timeCost, parallelism, maxConcurrency } = loadApiConfig(process.env).passwordHashing;
  const options = { type: argon2.argon2id, memoryCost: memoryKib, timeCost, parallelism };
  const password = 'a bench passphrase of ordinary length';
  const stored = await argon2.hash(password, options);
  const settings = { concurrency: maxConcurrency };

  await closedLoop(() => argon2.verify(stored, password), { ...settings, seconds: warmupSeconds });
  const verify = await closedLoop(() => argon2.verify(stored, password), { ...settings, seconds });
  const hash = await closedLoop(() => argon2.hash(password, options), { ...settings, seconds });
  return {
    parameters: { memoryKib, timeCost, parallelism },
    concurrency: maxConcurrency,
    threadPoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    verify,
    hash,
  };
});
