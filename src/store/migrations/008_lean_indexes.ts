import type { Kysely } from 'kysely';

/**
 * Drops three list indexes for filter combinations (To+From, From+DateSent, To+From+DateSent).
 * Every message insert and every DateSent change paid for ten indexes, which was most of the
 * cost of writing a message. A combination is now served by the index of one of its parts
 * (`messages_to_sent`, `messages_to_seq`, `messages_from_seq`, `messages_sent`) with the rest
 * checked per row. To+DateSent keeps its own index: without it, a quiet number's DateSent
 * window scans every message of the window.
 */
export async function leanIndexes(db: Kysely<unknown>): Promise<void> {
  for (const name of ['messages_to_from_seq', 'messages_from_sent', 'messages_to_from_sent']) {
    await db.schema.dropIndex(name).ifExists().execute();
  }
}
