import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_PREPARED_PER_CONNECTION,
  prepareStatements,
} from '../../src/store/postgres/postgres.prepared.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';

const server = await postgresServerUrl();

/** The texts prepared in the client's own session. */
async function preparedTexts(client: pg.ClientBase): Promise<string[]> {
  const r = await client.query<{ statement: string }>({
    text: 'select statement from pg_prepared_statements order by statement',
  });
  return r.rows.map((row) => row.statement);
}

// Needs a PostgreSQL server: named statements live in a server session (PGlite has none to ask).
describe.skipIf(!server)('PostgreSQL prepared statements', () => {
  let db: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase(server as string);
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('create table t (id int primary key, a text)');
    await client.query("insert into t values (1, 'one')");
    prepareStatements(client);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('prepares each parameterised text once per connection and reuses it', async () => {
    const text = 'select a from t where id = $1';
    for (let i = 0; i < 3; i++) {
      const r = await client.query<{ a: string }>(text, [1]);
      expect(r.rows).toEqual([{ a: 'one' }]);
    }
    expect((await preparedTexts(client)).filter((s) => s === text)).toHaveLength(1);
    // A query without parameters (or as a config object) goes through untouched.
    await client.query('select 1');
    expect(await preparedTexts(client)).not.toContain('select 1');
  });

  it('prepares again, and runs at once, a statement whose result columns changed', async () => {
    const text = 'select * from t where id = $1';
    expect(Object.keys((await client.query(text, [1])).rows[0] as object)).toEqual(['id', 'a']);
    await client.query('alter table t add column b text');
    // Outside a transaction: nothing had run, so it is run again on a fresh plan.
    expect(Object.keys((await client.query(text, [1])).rows[0] as object)).toEqual([
      'id',
      'a',
      'b',
    ]);
    await client.query('alter table t add column c text');
    // Inside one the error would abort the transaction: there a `*` text runs unnamed, planned
    // against the table as it is now.
    await client.query('begin');
    expect(Object.keys((await client.query(text, [1])).rows[0] as object)).toHaveLength(4);
    const returning = "update t set a = 'uno' where id = $1 returning *";
    expect(((await client.query(returning, [1])).rows[0] as { a: string }).a).toBe('uno');
    await client.query('commit');
    expect(await preparedTexts(client)).not.toContain(returning);
    expect(Object.keys((await client.query(text, [1])).rows[0] as object)).toHaveLength(4);
  });

  it('prepares texts whose result columns are named, in a transaction too', async () => {
    const named = 'select a from t where id = $1 and a is not null';
    const texts = [named, 'select count(*) as n from t where id = $1'];
    await client.query('begin');
    for (const text of texts) expect((await client.query(text, [1])).rows).toHaveLength(1);
    await client.query('commit');
    expect(await preparedTexts(client)).toEqual(expect.arrayContaining(texts));
    // A column's type changed under a named text in a transaction: that error stands.
    await client.query('alter table t alter column a type varchar(10)');
    await client.query('begin');
    await expect(client.query(named, [1])).rejects.toMatchObject({ code: '0A000' });
    await client.query('rollback');
    expect((await client.query(named, [1])).rows).toEqual([{ a: 'uno' }]);
  });

  it(`keeps at most ${MAX_PREPARED_PER_CONNECTION} statements per connection`, async () => {
    const before = (await preparedTexts(client)).length;
    for (let i = 0; i < MAX_PREPARED_PER_CONNECTION + 10; i++) {
      const r = await client.query<{ n: number }>(`select $1::int + ${i} as n`, [1]);
      expect(r.rows[0]?.n).toBe(1 + i);
    }
    expect(before).toBeLessThan(MAX_PREPARED_PER_CONNECTION);
    expect(await preparedTexts(client)).toHaveLength(MAX_PREPARED_PER_CONNECTION);
  });
});
