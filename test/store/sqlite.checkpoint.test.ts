import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
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
