import { DeadlockException } from '@mikro-orm/core';

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
