import { DeadlockException } from '@mikro-orm/core';

/**
 * A CTE `locked` that locks the recipient rows named by the ids of CTE `batch`, in id order,
 * whatever plan PostgreSQL picks for the statement that follows. Without it the order is the
 * plan's: with stale statistics (a large campaign just frozen) an update joined to its batch can
 * become a hash join over the campaign's rows in heap order, and two writers of the same rows
 * (the worker recording sends, the webhook recording statuses) deadlock, each losing a second
 * to the deadlock detector. The statement then updates only `any(array(select id from locked))`,
 * an index lookup by primary key.
 */
export const LOCK_IN_ID_ORDER = (batch: string) =>
  `locked as materialized (
     select r.id from recipients r where r.id = any(array(select id from ${batch}))
     order by r.id for update)`;

/**
 * Writers lock recipient rows in id order, so deadlocks should not happen; should PostgreSQL
 * still pick a statement as a deadlock victim, it is rolled back whole and run again.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof DeadlockException) || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 10 * attempt));
    }
  }
}
