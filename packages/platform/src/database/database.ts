import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  type DriverValueEncoder,
  fillPlaceholders,
  is,
  Param,
  Placeholder,
  type SQL,
  sql,
  type SQLWrapper,
} from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { type PgDatabase, PgDialect, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { Client, Pool, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { MigrationFailed } from './migration-failed';
import { connectionConfig, type DatabasePassword, rdsIamPassword } from './rds-iam-password';
import {
  baselineOf,
  historyTableOf,
  LEGACY_HISTORY_TABLE,
  type MigrationPlan,
  MIGRATIONS_SCHEMA,
  type MigrationStream,
} from './migration-plan';

export type Db = PgDatabase<PgQueryResultHKT>;
export type DatabaseDriver = 'postgres' | 'pglite';

/**
 * The database handle every repository injects. `db` is the transaction of the current use case
 * when there is one (carried in AsyncLocalStorage), the pool otherwise, so repositories never
 * take a transaction parameter and a module never needs another module's repository to share one.
 */
type TransactionScope =
  | { kind: 'transaction'; tx: Db; afterCommit: (() => void)[]; afterRollback: (() => Promise<void>)[] }
  | {
      kind: 'write-batch';
      writes: DeferredWrite[];
      afterCommit: (() => void)[];
      afterRollback: (() => Promise<void>)[];
    };

/** Turns a failed write's error into the caller's own (a domain error), or leaves it (undefined). */
export type WriteErrorTranslation = (error: unknown) => Error | undefined;

type Placeholders = Record<string, unknown>;

/** Where a prepared write puts each of its values: `value('email')` is the placeholder for `email`. */
export type ValueSlot<V> = (key: keyof V & string) => Placeholder;
type WriteQuery = SQLWrapper & PromiseLike<unknown>;
/** A write built once (`Database.preparedWrite`): call it with its values. */
export type PreparedWrite<V> = (values: V) => Promise<void>;

/**
 * The values of a one-row insert in a prepared write: each column a placeholder of its own name.
 * `columns` names every key of the row type (the compiler checks it has them all), so a field
 * added to the row is a compile error here rather than a column silently left out.
 */
export function rowOf<V>(
  columns: Record<keyof V & string, true>,
  value: ValueSlot<V>,
): Record<keyof V & string, Placeholder> {
  const keys = Object.keys(columns) as (keyof V & string)[];
  return Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<keyof V & string, Placeholder>;
}

interface WriteTemplate {
  /** Identifies the template within this Database: a batch's shape is the ids of its writes. */
  id: number;
  name: string;
  build: (db: Db, value: (key: string) => unknown) => WriteQuery;
  translate?: WriteErrorTranslation;
}

interface DeferredWrite {
  template: WriteTemplate;
  values: Placeholders;
}

/** A batch of one shape, compiled once: its text, and which value goes into each parameter. */
interface CompiledBatch {
  name: string | undefined;
  text: string;
  /** The parameters as compiled: the slots below overwrite theirs on every run. */
  params: unknown[];
  slots: { index: number; write: number; key: string; encoder?: DriverValueEncoder<unknown, unknown> }[];
}
/** A statement built once: call it with its placeholders' values. */
export type PreparedRead<T> = (placeholders: Placeholders) => Promise<T>;
export type Statement<Row> = (placeholders: Placeholders) => Promise<Row[]>;

/** What `preparedRead` needs of a drizzle query builder: run it now, or build it once for reuse. */
interface ReusableQuery<T> {
  execute(placeholders?: Placeholders): Promise<T>;
  toSQL(): { sql: string };
  prepare(name: string): { execute(placeholders?: Placeholders): Promise<T> };
}

const STATEMENT_NAME = /^[a-z][a-z0-9_]*$/;
const dialect = new PgDialect();

export abstract class Database {
  private readonly currentTransaction = new AsyncLocalStorage<TransactionScope>();
  private readonly statementNames = new Map<string, string>();
  private readonly compiledBatches = new Map<string, CompiledBatch>();
  private writeTemplates = 0;

  protected constructor(
    protected readonly root: Db,
    readonly driver: DatabaseDriver,
    /**
     * Hot statements are prepared under their name once per connection, so PostgreSQL parses and
     * plans them once rather than on every call. Off behind a transaction-mode pooler that cannot
     * keep prepared statements (PgBouncer before 1.21, or with max_prepared_statements = 0).
     */
    protected readonly namedStatements: boolean,
  ) {}

  get db(): Db {
    const scope = this.currentTransaction.getStore();
    if (scope?.kind === 'write-batch') throw outsideBatch('db');
    return scope?.tx ?? this.root;
  }

  get inTransaction(): boolean {
    return this.currentTransaction.getStore() !== undefined;
  }

  /**
   * A hot read whose SQL is built once rather than on every call: building a query costs drizzle
   * more client CPU than the round trip itself (docs/performance.md). `build` marks its
   * parameters with `sql.placeholder(name)`. Outside a transaction the built query runs on the
   * pool, as a named statement; inside one it is built on the transaction, whose writes and locks
   * it must see. The selected columns are listed, never `*`, so a migration that adds a column
   * leaves a prepared statement's result type as it was.
   */
  preparedRead<T>(name: string, build: (db: Db) => ReusableQuery<T>): PreparedRead<T> {
    let prepared: ReturnType<ReusableQuery<T>['prepare']> | undefined;
    return (placeholders) => {
      const scope = this.currentTransaction.getStore();
      if (scope?.kind === 'write-batch') throw outsideBatch(`the read ${name}`);
      if (scope) return build(scope.tx).execute(placeholders);
      if (!prepared) {
        const built = build(this.root);
        // drizzle's types ask for a name; undefined makes it an unnamed statement.
        prepared = built.prepare(this.nameFor(name, built.toSQL().sql) as string);
      }
      return prepared.execute(placeholders);
    };
  }

  /**
   * A hand-written statement that is a transaction of its own (a data-modifying CTE writes all of
   * its rows or none): compiled once, prepared under `name` like `preparedRead`, and run on the
   * pool. One round trip where a transaction would take a BEGIN, a statement per row and a
   * COMMIT. Calling it inside a transaction is a mistake (it would run outside it), so it throws.
   * Rows come back with the drivers' own types (timestamps as Date).
   */
  statement<Row>(name: string, query: SQL): Statement<Row> {
    const { sql: text, params } = dialect.sqlToQuery(query);
    const statementName = this.nameFor(name, text);
    return (placeholders) => {
      if (this.inTransaction)
        throw new Error(`statement ${name} is its own transaction: call it outside one`);
      return this.runStatement<Row>(statementName, text, fillPlaceholders(params, placeholders));
    };
  }

  private nameFor(name: string, text: string): string | undefined {
    assertStatementName(name);
    // One name, one text: PostgreSQL would run the first statement prepared under it.
    const known = this.statementNames.get(name);
    if (known !== undefined && known !== text) throw new Error(`two statements named ${name}`);
    this.statementNames.set(name, text);
    return this.namedStatements ? `latchkey_${name}` : undefined;
  }

  protected abstract runStatement<Row>(
    name: string | undefined,
    text: string,
    values: unknown[],
  ): Promise<Row[]>;

  /**
   * The rows of one hand-written statement, on the current transaction or the pool: for the few
   * statements the query builder cannot say (data-modifying CTEs), and cheaper to build than one.
   * Values come back as the driver reads them through drizzle: timestamps as text, not Date.
   */
  async rows<T>(query: SQL): Promise<T[]> {
    const result = (await this.db.execute(query)) as unknown as { rows: T[] };
    return result.rows;
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    const afterCommit: (() => void)[] = [];
    const afterRollback: (() => Promise<void>)[] = [];
    let result: T;
    try {
      result = await this.root.transaction((tx) =>
        this.currentTransaction.run({ kind: 'transaction', tx, afterCommit, afterRollback }, work),
      );
    } catch (error) {
      await compensate(afterRollback);
      throw error;
    }
    for (const callback of afterCommit) callback();
    return result;
  }

  /**
   * Work that only writes, with every value known up front (ids made here, no read in between):
   * each prepared write inside is held back, and when `work` returns they all go to the database
   * as one statement (a data-modifying CTE per write), which commits all of them or none, as a
   * transaction would, in one round trip instead of a BEGIN, one per write and a COMMIT. The
   * writes of one statement see the same snapshot and constraints are checked at its end, so a
   * row may reference another written in the same batch. Anything else that reaches the database
   * inside (`db`, a prepared read, `rows`) throws: it would run outside the batch. Inside a
   * transaction, the writes simply run in it; a `transaction` inside a batch joins the batch.
   */
  async writeBatch<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction) return work();
    const scope: TransactionScope = { kind: 'write-batch', writes: [], afterCommit: [], afterRollback: [] };
    let result: T;
    try {
      result = await this.currentTransaction.run(scope, work);
      await this.flush(scope.writes);
    } catch (error) {
      await compensate(scope.afterRollback);
      throw error;
    }
    for (const callback of scope.afterCommit) callback();
    return result;
  }

  /**
   * A write whose result nobody reads (an insert, usually), built by `build` with a placeholder
   * for each of its values (`value(key)`) and run with `values`. Inside `writeBatch` it is held
   * back, and the batch it joins is compiled once per shape (which writes, in which order), so a
   * hot use case spends no CPU building SQL; elsewhere it is built with the values themselves and
   * run on the current transaction or the pool. So `build` must not look at what `value` gives it
   * (in a batch, a placeholder), and an undefined value is written as null either way. Make it
   * once, in a constructor, like `preparedRead`: batches are compiled (and kept) per write made
   * here. `translate` turns the write's failure into the caller's own error, whenever the write
   * actually runs.
   */
  preparedWrite<V extends object>(
    name: string,
    build: (db: Db, value: ValueSlot<V>) => WriteQuery,
    translate?: WriteErrorTranslation,
  ): PreparedWrite<V> {
    assertStatementName(name);
    const template: WriteTemplate = {
      id: this.writeTemplates++,
      name,
      build: build as WriteTemplate['build'],
      translate,
    };
    return async (values) => {
      const own = values as Placeholders;
      const scope = this.currentTransaction.getStore();
      if (scope?.kind === 'write-batch') {
        scope.writes.push({ template, values: own });
        return;
      }
      try {
        await template.build(scope?.tx ?? this.root, (key) => valueOf(own, key, name));
      } catch (error) {
        throw translate?.(error) ?? error;
      }
    };
  }

  private async flush(writes: DeferredWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const shape = writes.map(({ template }) => template.id).join(',');
    let batch = this.compiledBatches.get(shape);
    if (!batch) {
      batch = this.compileBatch(writes.map(({ template }) => template));
      this.compiledBatches.set(shape, batch);
    }
    const params = batch.params.slice();
    for (const { index, write, key, encoder } of batch.slots) {
      const { values, template } = writes[write]!;
      const value = valueOf(values, key, template.name);
      // drizzle's own fillPlaceholders would encode a null too (a null Date throws there).
      params[index] = value === null || !encoder ? value : encoder.mapToDriverValue(value);
    }
    try {
      await this.runStatement(batch.name, batch.text, params);
    } catch (error) {
      for (const { template } of writes) {
        const translated = template.translate?.(error);
        if (translated) throw translated;
      }
      throw error;
    }
  }

  /**
   * One data-modifying CTE per write but the last, which is the statement's body. Each write's
   * placeholders are its own (`w<n>.<key>`), so one template may appear twice in a batch.
   */
  private compileBatch(templates: WriteTemplate[]): CompiledBatch {
    const owners = new Map<string, { write: number; key: string }>();
    const queries = templates.map(({ build }, write) =>
      build(this.root, (key) => {
        const name = `w${write}.${key}`;
        owners.set(name, { write, key });
        return sql.placeholder(name);
      }).getSQL(),
    );
    const last = queries.at(-1)!;
    const query =
      queries.length === 1
        ? last
        : sql`with ${sql.join(
            queries.slice(0, -1).map((write, n) => sql`${sql.identifier(`w${n}`)} as (${write})`),
            sql`, `,
          )} ${last}`;
    const { sql: text, params } = dialect.sqlToQuery(query);
    const slots: CompiledBatch['slots'] = [];
    params.forEach((param, index) => {
      const placeholder = is(param, Placeholder)
        ? param
        : is(param, Param) && is(param.value, Placeholder)
          ? param.value
          : undefined;
      if (!placeholder) return;
      const owner = owners.get(placeholder.name);
      if (!owner) throw new Error(`a write batch cannot fill the placeholder ${placeholder.name}`);
      slots.push({ index, ...owner, encoder: is(param, Param) ? param.encoder : undefined });
    });
    return { name: this.batchName(text), text, params, slots };
  }

  /** A batch's statement is named by its text: the same use case sends the same shape each time. */
  private batchName(text: string): string | undefined {
    return this.nameFor(`batch_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`, text);
  }

  /**
   * Runs `callback` once the current transaction has committed (at once outside a transaction);
   * never if it rolls back. For effects that must not be seen before the data is, such as evicting
   * a cache entry that a concurrent reader could otherwise refill with the old state.
   */
  afterCommit(callback: () => void): void {
    const scope = this.currentTransaction.getStore();
    if (scope) scope.afterCommit.push(callback);
    else callback();
  }

  /**
   * Runs `compensation` once the current transaction has rolled back, before its error reaches
   * the caller (never if it commits; outside a transaction there is nothing to undo): to undo an
   * effect outside this database made inside the transaction (the services deployment's sign-up
   * creates its organization in the user service). A compensation reports its own failure; it
   * never replaces the transaction's error.
   */
  afterRollback(compensation: () => Promise<void>): void {
    this.currentTransaction.getStore()?.afterRollback.push(compensation);
  }

  /** Resolves when the database answers `select 1` within `timeoutMs`, rejects otherwise. */
  async ping(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`database did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.root.execute(sql`select 1`), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Calls `onNotify` with its payload for each NOTIFY on `channel` (delivered on commit), and once
   * more without one after a lost listening connection is re-established, since notifications
   * may have been missed. Resolves to a function that stops listening.
   */
  abstract listen(channel: string, onNotify: (payload?: string) => void): Promise<() => Promise<void>>;

  /**
   * Whether `listen` delivers other processes' notifications. False where no connection may be
   * held to wait for them (DATABASE_LISTEN=false: Lambda, whose frozen environments read them
   * late, and RDS Proxy, which pins a connection per LISTEN): `listen` then never calls back, and
   * what relied on it must not cache across processes (see the session and signing-key caches).
   */
  get receivesNotifications(): boolean {
    return true;
  }
  /**
   * Applies the plan's pending migrations, stream by stream (each stream in one transaction), so
   * a database created before the packages owned their migrations is adopted first (see
   * MigrationPlan). Running it again applies nothing.
   */
  async migrate(plan: MigrationPlan): Promise<void> {
    await this.whileMigrating(async () => {
      if (plan.legacyFolder !== undefined && (await this.hasLegacyHistory())) {
        await this.applyStream(plan.legacyFolder, LEGACY_HISTORY_TABLE);
        for (const stream of plan.streams) await this.adoptBaseline(stream);
      }
      for (const stream of plan.streams) {
        await this.applyStream(stream.folder, historyTableOf(stream), stream.name);
      }
    });
  }

  /** Runs `work` as the only migration in progress (several instances may start at once). */
  protected abstract whileMigrating(work: () => Promise<void>): Promise<void>;
  /** drizzle's migrator over one folder, recording in MIGRATIONS_SCHEMA.`table`. */
  protected abstract runMigrator(migrationsFolder: string, migrationsTable: string): Promise<void>;

  private async applyStream(folder: string, table: string, stream?: string): Promise<void> {
    try {
      await this.runMigrator(folder, table);
    } catch (error) {
      throw new MigrationFailed(error, folder, stream);
    }
  }

  private async hasLegacyHistory(): Promise<boolean> {
    const [row] = await this.rows<{ present: boolean }>(
      sql`select to_regclass(${`${MIGRATIONS_SCHEMA}.${LEGACY_HISTORY_TABLE}`}) is not null as present`,
    );
    return row?.present === true;
  }

  /**
   * The stream's tables exist (the legacy history made them): its baseline is recorded as applied,
   * in the table and shape drizzle's migrator keeps, unless the stream has a history already.
   */
  private async adoptBaseline(stream: MigrationStream): Promise<void> {
    const table = sql.identifier(historyTableOf(stream));
    const schema = sql.identifier(MIGRATIONS_SCHEMA);
    const { hash, folderMillis } = baselineOf(stream);
    await this.root.execute(
      sql`create table if not exists ${schema}.${table} (id serial primary key, hash text not null, created_at bigint)`,
    );
    await this.root.execute(
      sql`insert into ${schema}.${table} (hash, created_at)
          select ${hash}, ${folderMillis} where not exists (select 1 from ${schema}.${table})`,
    );
  }
  abstract close(): Promise<void>;
}

function assertStatementName(name: string): void {
  if (!STATEMENT_NAME.test(name)) throw new Error(`not a statement name: ${name}`);
}

function valueOf(values: Placeholders, key: string, write: string): unknown {
  if (!(key in values)) throw new Error(`the write ${write} was given no value for ${key}`);
  return values[key] ?? null;
}

function outsideBatch(what: string): Error {
  return new Error(
    `${what} inside a write batch would run outside it: only a prepared write may be used there`,
  );
}

export const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;
const RELISTEN_DELAY_MS = 1_000;

export class PostgresDatabase extends Database {
  private constructor(
    private readonly pool: Pool,
    private readonly url: string,
    namedStatements: boolean,
    private readonly listens: boolean,
    private readonly password: DatabasePassword | undefined,
  ) {
    super(drizzleNodePg({ client: pool }) as unknown as Db, 'postgres', namedStatements);
  }

  static open(
    options: {
      url: string;
      poolMax: number;
      statementTimeoutMs: number;
      namedStatements: boolean;
      /** DATABASE_LISTEN (default true); see `receivesNotifications`. */
      listen?: boolean;
      /** DATABASE_IAM_AUTH: each connection's password is a fresh RDS IAM token. */
      iamAuth?: boolean;
    },
    log: Logger,
  ): PostgresDatabase {
    const password = options.iamAuth ? rdsIamPassword(options.url) : undefined;
    const pool = new Pool({
      // pg calls a password function for each connection it opens (a token lives 15 minutes).
      ...connectionConfig(options.url, password),
      max: options.poolMax,
      statement_timeout: options.statementTimeoutMs,
      connectionTimeoutMillis: 2_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client whose server went away emits 'error' on the pool; unhandled, it kills the
    // process. Log it: the pool replaces the client and readiness reports the outage.
    // pg attaches the whole client to the error; log what an operator needs, not its internals.
    pool.on('error', (error: Error & { code?: string }) =>
      log.warn({ code: error.code, reason: error.message }, 'postgres connection lost'),
    );
    // pg-pool takes that listener off a client while it is checked out, and a transaction holds
    // its client between statements (across a call to another service, in the services
    // deployment). A connection that ends in that gap emits 'error' with nobody listening, which
    // ended the process. Each client keeps a listener of its own for its whole life: the loss
    // reaches the transaction as its next statement's failure (a 503), and the pool drops the client.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new PostgresDatabase(pool, options.url, options.namedStatements, options.listen ?? true, password);
  }

  protected async runStatement<Row>(
    name: string | undefined,
    text: string,
    values: unknown[],
  ): Promise<Row[]> {
    const result = await this.pool.query<Row & QueryResultRow>({ name, text, values });
    return result.rows;
  }

  override get receivesNotifications(): boolean {
    return this.listens;
  }

  async listen(channel: string, onNotify: (payload?: string) => void): Promise<() => Promise<void>> {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`not a channel name: ${channel}`);
    if (!this.listens) return () => Promise.resolve();
    let stopped = false;
    let client: Client | undefined;
    let retry: NodeJS.Timeout | undefined;
    // LISTEN needs a connection of its own, held for the life of the process (not a pool client).
    const connect = async (reconnecting: boolean): Promise<void> => {
      if (stopped) return;
      const candidate = new Client({
        ...connectionConfig(this.url, this.password),
        connectionTimeoutMillis: 2_000,
      });
      candidate.on('error', () => undefined); // 'end' follows; reconnecting is handled there
      candidate.on('notification', (message) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      });
      try {
        await candidate.connect();
        await candidate.query(`LISTEN ${channel}`);
      } catch {
        await candidate.end().catch(() => undefined);
        retry = setTimeout(() => void connect(true), RELISTEN_DELAY_MS).unref();
        return;
      }
      client = candidate;
      candidate.on('end', () => {
        if (!stopped) retry = setTimeout(() => void connect(true), RELISTEN_DELAY_MS).unref();
      });
      if (reconnecting) onNotify();
    };
    await connect(false);
    return async () => {
      stopped = true;
      clearTimeout(retry);
      await client?.end().catch(() => undefined);
    };
  }

  protected async whileMigrating(work: () => Promise<void>): Promise<void> {
    // Several instances may start at once: one migrates, the others wait on the advisory lock
    // and then find nothing left to apply.
    const client = await this.pool.connect();
    try {
      await client.query(`select pg_advisory_lock(hashtext('latchkey:migrations'))`);
      await work();
    } finally {
      await client.query(`select pg_advisory_unlock(hashtext('latchkey:migrations'))`).catch(() => undefined);
      client.release();
    }
  }
  protected async runMigrator(migrationsFolder: string, migrationsTable: string): Promise<void> {
    await migrateNodePg(this.root as never, {
      migrationsFolder,
      migrationsTable,
      migrationsSchema: MIGRATIONS_SCHEMA,
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Each compensation of a rolled-back transaction, in the order registered; their failures are theirs. */
async function compensate(compensations: (() => Promise<void>)[]): Promise<void> {
  for (const compensation of compensations) await compensation().catch(() => undefined);
}
