import path from 'node:path';
import pg from 'pg';
import { requireFromApi } from './api-modules.mjs';

/**
 * The bench writes a million sessions, so it never runs in the database it is pointed at: it
 * creates a scratch database on that server (the role needs CREATEDB) and drops it afterwards.
 */
export async function createScratchDatabase(serverUrl, suffix = '') {
  const name = `latchkey_bench_${process.pid}${suffix}`;
  const admin = async (statement) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      return await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const { rows } = await admin('show server_version');
  return {
    name,
    url: url.toString(),
    serverVersion: rows[0].server_version,
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

/**
 * One small interface over node-postgres and PGlite: `query` returns rows, `transaction` runs
 * `work(query)` on one connection between BEGIN and COMMIT. PGlite is the API's own embedded
 * database directory, so it may only be opened while the API is not running.
 */
export async function openSql({ databaseUrl, dataDir, poolSize = 1 }) {
  if (databaseUrl) {
    const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
    return {
      driver: 'postgres',
      // `name`: a named prepared statement, parsed and planned once per connection, as the API's are.
      query: async (text, params, name) => (await pool.query({ name, text, values: params })).rows,
      async transaction(work) {
        const client = await pool.connect();
        const query = async (text, params) => (await client.query(text, params)).rows;
        try {
          await client.query('begin');
          const result = await work(query);
          await client.query('commit');
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw error;
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  }
  const { PGlite } = requireFromApi('@electric-sql/pglite');
  const db = await PGlite.create(path.join(dataDir, 'pglite'));
  const queryOf = (target) => async (text, params) => (await target.query(text, params)).rows;
  return {
    driver: 'pglite',
    query: queryOf(db),
    // PGlite has one connection: its transactions run one at a time, whatever the concurrency.
    transaction: (work) => db.transaction((tx) => work(queryOf(tx))),
    close: () => db.close(),
  };
}
