import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

/** Runs one multi-row statement; see {@link compiledRows}. */
export type RowsStatement = <DB, R extends object, O>(
  db: Kysely<DB>,
  key: string,
  rows: readonly R[],
  build: (rows: readonly R[]) => Compilable<O>,
) => Promise<O[]>;

/**
 * Multi-row statements (batch inserts) without Kysely building them row by row on every call:
 * Kysely builds and compiles a statement once per shape (`key`, the column list, the row count),
 * and later calls send the same SQL text with the new rows' values. The first compile of a shape
 * checks that its parameters are exactly the rows' values, row by row in column order; a shape
 * that is not (a value Kysely skipped or wrote inline) is built by Kysely every time. One per
 * store: the SQL text is the dialect's.
 */
export function compiledRows(): RowsStatement {
  const shapes = new Map<string, string | null>();
  return async (db, key, typed, build) => {
    const rows = typed as readonly Record<string, unknown>[];
    const first = rows[0];
    if (first === undefined) return [];
    const columns = Object.keys(first);
    const shape = `${key}|${rows.length}|${columns.join(',')}`;
    const sql = shapes.get(shape);
    if (sql !== undefined && sql !== null && sameKeys(rows, columns.length)) {
      const params = values(rows, columns);
      if (params) return (await db.executeQuery<never>(CompiledQuery.raw(sql, params))).rows;
    }
    const compiled = build(typed).compile();
    if (sql === undefined) {
      const params = values(rows, columns);
      const exact =
        params !== undefined &&
        sameKeys(rows, columns.length) &&
        params.length === compiled.parameters.length &&
        params.every((v, i) => Object.is(v, compiled.parameters[i]));
      shapes.set(shape, exact ? compiled.sql : null);
    }
    return (await db.executeQuery(compiled)).rows;
  };
}

/** Every row has as many keys as the first (same mapper, same columns). */
const sameKeys = (rows: readonly Record<string, unknown>[], n: number) =>
  rows.every((r) => Object.keys(r).length === n);

/** The rows' values in column order, or undefined when one is undefined (Kysely skips those). */
function values(
  rows: readonly Record<string, unknown>[],
  columns: string[],
): unknown[] | undefined {
  const out: unknown[] = [];
  for (const r of rows) {
    for (const c of columns) {
      const v = r[c];
      if (v === undefined) return undefined;
      out.push(v);
    }
  }
  return out;
}
