import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type CompiledQuery } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { kyselyStore } from '../../src/store/kysely/kysely.store.js';
import type { Database } from '../../src/store/schema.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Message } from '../../src/store/records.js';
import { until } from '../support/until.js';
import { messageRecord } from '../support/records.js';

// The SQLite store turns automatic checkpoints off and checkpoints from a worker thread: the
// database file must still receive what the WAL holds while the store is open.

const dir = mkdtempSync(join(tmpdir(), 'loft-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const message = (i: number): Message =>
  messageRecord('AC' + 'ab'.repeat(16), {
    sid: 'SM' + i.toString(16).padStart(32, '0'),
    status: 'delivered',
    body: 'x'.repeat(200),
    numSegments: 2,
    dateCreated: i,
    dateUpdated: i,
    dateSent: i,
  });

it('moves committed pages from the WAL into the database file in the background', async () => {
  const path = join(dir, 'loft.db');
  const store = await openSqliteStore({ path });
  try {
    const before = statSync(path).size;
    for (let b = 0; b < 5; b++) {
      await store.messages.insertMany(
        Array.from({ length: 1000 }, (_, i) => ({ message: message(b * 1000 + i + 1) })),
      );
    }
    // ~1 MB of rows: far more than the empty schema the file held after migrations.
    const grown = await until(() => statSync(path).size > before + 500_000 || undefined, 5_000);
    expect(grown).toBe(true);
  } finally {
    await store.close();
  }
});

it('keeps planner statistics: a To + DateSent window seeks messages_to_sent', async () => {
  const path = join(dir, 'stats.db');
  let checks = 0;
  const store = await openSqliteStore({
    path,
    statistics: { intervalMs: 100, onChecked: () => checks++ },
  });
  expect(checks).toBe(1); // the first check runs before the store is returned
  let db: Kysely<Database> | undefined;
  try {
    const many = Array.from({ length: 4000 }, (_, i) => ({
      message: { ...message(i + 1), to: `+1415555${String(i % 400).padStart(4, '0')}` },
    }));
    await store.messages.insertMany(many);
    const after = checks;
    expect(await until(() => checks > after + 1 || undefined, 5_000)).toBe(true);

    // The statistics are in the file: a connection opened now plans with them (the store's own
    // connection gathered them, so it has them already). The query is the store's own.
    const ran: CompiledQuery[] = [];
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SQLite(path) }),
      log: (e) => void ran.push(e.query),
    });
    const reader = kyselyStore(db, store.capabilities);
    const filter = {
      accountSid: many[0]!.message.accountSid,
      to: '+14155550007',
      sentFrom: 1,
      sentTo: 4000,
      tags: [],
    };
    const found = await reader.messages.list(filter, { limit: 50, direction: 'after' });
    expect(found).toHaveLength(10);
    const q = ran.find((r) => /from "messages"/.test(r.sql))!;
    const plan = await db.executeQuery<{ detail: string }>({
      ...q,
      sql: `explain query plan ${q.sql}`,
      query: sql.raw('').toOperationNode(),
    });
    expect(plan.rows.map((r) => r.detail).join('\n')).toContain('messages_to_sent');
  } finally {
    await db?.destroy();
    await store.close();
  }
});
