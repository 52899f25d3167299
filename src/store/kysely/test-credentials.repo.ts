import type { Kysely, Selectable } from 'kysely';
import type { Database, TestCredentialsTable } from '../schema.js';
import type { TestCredentials } from '../records.js';
import type { TestCredentialsRepository } from '../store.js';

const toRecord = (r: Selectable<TestCredentialsTable>): TestCredentials => ({
  accountSid: r.account_sid,
  testSid: r.test_sid,
  authToken: r.auth_token,
  dateCreated: Number(r.date_created),
});

/** Test credentials on any Kysely dialect. */
export function testCredentialsRepository(db: Kysely<Database>): TestCredentialsRepository {
  const by = async (column: 'account_sid' | 'test_sid', value: string) => {
    const r = await db
      .selectFrom('test_credentials')
      .selectAll()
      .where(column, '=', value)
      .executeTakeFirst();
    return r && toRecord(r);
  };
  const get = (accountSid: string) => by('account_sid', accountSid);
  return {
    get,
    findByTestSid: (testSid) => by('test_sid', testSid),
    async ensure(c) {
      // Two processes generating at once: the first insert wins, both return its pair.
      await db
        .insertInto('test_credentials')
        .values({
          account_sid: c.accountSid,
          test_sid: c.testSid,
          auth_token: c.authToken,
          date_created: c.dateCreated,
        })
        .onConflict((oc) => oc.column('account_sid').doNothing())
        .execute();
      return (await get(c.accountSid)) ?? c;
    },
  };
}
