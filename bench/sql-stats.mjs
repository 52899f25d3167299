// Per-statement timings of a Loft server, for profiling: `node --import ./bench/sql-stats.mjs`.
// Wraps better-sqlite3's prepared statements so every run/all/get is timed, grouped by SQL text
// with its value lists folded, and prints the statements by total time when the process exits.
import console from 'node:console';
import process from 'node:process';
import Database from 'better-sqlite3';

const stats = new Map();
const fold = (sql) =>
  sql
    .replace(
      /\((\?|cast\(\? as \w+\))(, (\?|cast\(\? as \w+\)))*\)(, \((\?|cast\(\? as \w+\))(, (\?|cast\(\? as \w+\)))*\))*/g,
      '(..)',
    )
    .replace(/\s+/g, ' ');

const prepare = Database.prototype.prepare;
Database.prototype.prepare = function (sql) {
  const stmt = prepare.call(this, sql);
  const key = fold(sql);
  for (const method of ['run', 'all', 'get']) {
    const original = stmt[method];
    stmt[method] = function (...args) {
      const started = process.hrtime.bigint();
      const result = original.apply(this, args);
      const e = stats.get(key) ?? { calls: 0, ns: 0n, rows: 0 };
      e.calls++;
      e.ns += process.hrtime.bigint() - started;
      e.rows += Array.isArray(result) ? result.length : (result?.changes ?? 0);
      stats.set(key, e);
      return result;
    };
  }
  return stmt;
};

process.on('exit', () => {
  const all = [...stats].sort((a, b) => Number(b[1].ns - a[1].ns));
  const total = all.reduce((sum, [, e]) => sum + e.ns, 0n);
  console.error(`SQL total ms ${Number(total / 1_000_000n)}  (ms, calls, rows, statement)`);
  for (const [sql, e] of all.slice(0, 25)) {
    const ms = String(Number(e.ns / 1_000_000n)).padStart(6);
    console.error(
      `${ms} ${String(e.calls).padStart(8)} ${String(e.rows).padStart(8)} ${sql.slice(0, 140)}`,
    );
  }
});
