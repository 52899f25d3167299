import type { Kysely } from 'kysely';

/**
 * The DateSent list indexes become partial (`date_sent is not null`), and the unused
 * `messages_carrier_ref` goes.
 *
 * A message has no `date_sent` until it is sent, so every create used to add a NULL entry to
 * both DateSent indexes, and every send then moved it. Now a create touches neither and a send
 * adds one entry. A DateSent filter compares `date_sent`, which implies `is not null`, so both
 * engines still seek these indexes (and a NULL never matched such a filter anyway).
 * Nothing looks messages up by `carrier_ref` (the simulator keeps its own table); a carrier that
 * matches delivery reports by it adds its own index, partial in the same way.
 * On an existing database this rebuilds two indexes: a few seconds at a million messages.
 */
export async function sentIndexes(db: Kysely<unknown>): Promise<void> {
  for (const name of ['messages_sent', 'messages_to_sent', 'messages_carrier_ref']) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
  const indexes: Record<string, string[]> = {
    messages_sent: ['account_sid', 'date_sent', 'seq'],
    messages_to_sent: ['account_sid', 'to_addr', 'date_sent', 'seq'],
  };
  for (const [name, columns] of Object.entries(indexes)) {
    await db.schema
      .createIndex(name)
      .on('messages')
      .columns(columns)
      .where('date_sent', 'is not', null)
      .execute();
  }
}
