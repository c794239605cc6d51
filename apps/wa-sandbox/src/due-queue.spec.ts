import { DueQueue } from './due-queue.js';
import { Fifo } from './fifo.js';

describe('DueQueue', () => {
  it('releases items in order of their delay, those due together in one batch', async () => {
    const batches: string[][] = [];
    const queue = new DueQueue<string>((items) => batches.push(items));
    queue.add('late', 60);
    queue.add('a', 0);
    queue.add('b', 0);
    expect(queue.size).toBe(3);
    await new Promise((r) => setTimeout(r, 150));
    expect(batches).toEqual([['a', 'b'], ['late']]);
    expect(queue.size).toBe(0);
  });

  it('releases nothing once cleared', async () => {
    const released: string[] = [];
    const queue = new DueQueue<string>((items) => released.push(...items));
    queue.add('a', 10);
    queue.clear();
    await new Promise((r) => setTimeout(r, 50));
    expect(released).toEqual([]);
  });
});

describe('Fifo', () => {
  it('keeps order across its compaction', () => {
    const fifo = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      fifo.push(i);
      if (i % 3 === 0) out.push(fifo.shift() as number);
    }
    while (fifo.length) out.push(fifo.shift() as number);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(fifo.shift()).toBeUndefined();
  });
});
