import { CompiledQuery, type Compilable, type Insertable, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { StoreCapabilities } from '../store.js';
import { slicer, type Slicer } from './rows.js';

/**
 * Runs one multi-row statement built by `build` from `rows`; resolves to its RETURNING rows
 * (none without RETURNING). `key` names the statement: one key, one builder.
 */
export type RowsStatement = <DB, R extends object, O>(
  db: Kysely<DB>,
  key: string,
  rows: readonly R[],
  build: (rows: readonly R[]) => Compilable<O>,
) => Promise<O[]>;

/** Per-store helpers for multi-row statements, shared by the store and its transactions. */
export interface Batches {
  /** Cuts a batch into the slices of one statement each (`statementRows`). */
  chunks: Slicer;
  /** Runs a multi-row statement, reusing compiled SQL where the engine's texts repeat. */
  rows: RowsStatement;
  /** A plain multi-row INSERT of one slice into `table` (through `rows`, keyed by the table). */
  insert: <T extends keyof Database>(
    db: Kysely<Database>,
    table: T,
    values: readonly Insertable<Database[T]>[],
  ) => Promise<void>;
}

/** The {@link Batches} of a store with these capabilities. */
export function batches(capabilities: StoreCapabilities): Batches {
  const { statementRows } = capabilities;
  // Only power-of-two slicing bounds the shapes (at most log2(max) + 1 per statement); with
  // any row count (PostgreSQL) a shape cache would keep hundreds of large texts.
  return batchesOf(slicer(statementRows), compiledRows(statementRows.powersOfTwo));
}

/** {@link Batches} over a slicer and a statement runner. */
export function batchesOf(chunks: Slicer, rows: RowsStatement): Batches {
  return {
    chunks,
    rows,
    async insert(db, table, values) {
      await rows(db, table, values, (v) => db.insertInto(table).values(v as never));
    },
  };
}

/**
 * Multi-row statements (batch inserts) without Kysely building them row by row on every call:
 * with `reuse`, Kysely builds and compiles a statement once per shape (`key`, the column list,
 * the row count), and later calls send the same SQL text with the new rows' values. The first
 * compile of a shape checks that its parameters are exactly the rows' values, row by row in
 * column order; a shape that is not is built by Kysely every time, and so is any call with a
 * value Kysely would not bind as it is (undefined, a function, an expression).
 */
export function compiledRows(reuse: boolean): RowsStatement {
  const shapes = new Map<string, string | null>();
  return async (db, key, typed, build) => {
    const rows = typed as readonly Record<string, unknown>[];
    const first = rows[0];
    if (first === undefined) return [];
    if (!reuse) return (await db.executeQuery(build(typed).compile())).rows;
    const columns = Object.keys(first);
    const shape = `${key}|${rows.length}|${columns.join(',')}`;
    const sql = shapes.get(shape);
    const params = sql === null ? undefined : values(rows, columns);
    if (typeof sql === 'string' && params) {
      return (await db.executeQuery<never>(CompiledQuery.raw(sql, params))).rows;
    }
    const compiled = build(typed).compile();
    if (sql === undefined && params) {
      const exact =
        params.length === compiled.parameters.length &&
        params.every((v, i) => Object.is(v, compiled.parameters[i]));
      shapes.set(shape, exact ? compiled.sql : null);
    }
    return (await db.executeQuery(compiled)).rows;
  };
}

/**
 * The rows' values in column order; undefined when a row has other columns, or a value Kysely
 * would not bind as it is (undefined is left out; functions and expressions become SQL).
 */
function values(
  rows: readonly Record<string, unknown>[],
  columns: string[],
): unknown[] | undefined {
  const out: unknown[] = [];
  for (const r of rows) {
    if (Object.keys(r).length !== columns.length) return undefined;
    for (const c of columns) {
      const v = r[c];
      if (v === undefined || typeof v === 'function') return undefined;
      if (typeof v === 'object' && v !== null && 'toOperationNode' in v) return undefined;
      out.push(v);
    }
  }
  return out;
}
