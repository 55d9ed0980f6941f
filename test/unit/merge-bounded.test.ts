import { describe, expect, it } from 'vitest';
import { mergeBounded } from '../../src/core/scan/scan.js';

const tick = (ms = 1): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sources that record how many run at once, which ones started and which were stopped. */
function instrumented(count: number, valuesEach: number) {
  const state = { running: 0, maxRunning: 0, started: new Set<number>(), finished: new Set<number>(), stopped: new Set<number>() };
  const sources = Array.from({ length: count }, (_, id) =>
    (async function* source(): AsyncGenerator<string> {
      state.started.add(id);
      state.running += 1;
      state.maxRunning = Math.max(state.maxRunning, state.running);
      let completed = false;
      try {
        for (let i = 0; i < valuesEach; i += 1) {
          await tick();
          yield `${id}:${i}`;
        }
        completed = true;
      } finally {
        state.running -= 1;
        (completed ? state.finished : state.stopped).add(id);
      }
    })(),
  );
  return { state, sources };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

describe('mergeBounded', () => {
  it('runs at most `concurrency` sources at once and yields every value of every source', async () => {
    const { state, sources } = instrumented(7, 5);
    const values = await collect(mergeBounded(sources, 3));
    expect(values).toHaveLength(35);
    expect(new Set(values).size).toBe(35);
    expect(state.maxRunning).toBe(3);
    expect(state.finished.size).toBe(7);
    // Each source's own values stay in order.
    for (let id = 0; id < 7; id += 1) {
      const own = values.filter((value) => value.startsWith(`${id}:`));
      expect(own).toEqual(Array.from({ length: 5 }, (_, i) => `${id}:${i}`));
    }
  });

  it('interleaves sources instead of draining them one after another', async () => {
    const { sources } = instrumented(2, 6);
    const values = await collect(mergeBounded(sources, 2));
    const firstOfSecond = values.findIndex((value) => value.startsWith('1:'));
    const lastOfFirst = values.map((value) => value.startsWith('0:')).lastIndexOf(true);
    expect(firstOfSecond).toBeLessThan(lastOfFirst);
  });

  it('stops the running sources and never starts the waiting ones when the consumer breaks early', async () => {
    const { state, sources } = instrumented(6, 1000);
    const seen: string[] = [];
    for await (const value of mergeBounded(sources, 2)) {
      seen.push(value);
      if (seen.length === 5) break;
    }
    expect(seen).toHaveLength(5);
    expect(state.started).toEqual(new Set([0, 1]));
    expect(state.stopped).toEqual(new Set([0, 1]));
    expect(state.running).toBe(0);
  });

  it('passes a source error to the consumer and stops the other sources', async () => {
    const { state, sources } = instrumented(3, 1000);
    const failing = (async function* failing(): AsyncGenerator<string> {
      await tick(5);
      yield 'x';
      throw new Error('node exploded');
    })();
    await expect(collect(mergeBounded([failing, ...sources], 3))).rejects.toThrow('node exploded');
    expect(state.running).toBe(0);
    expect(state.stopped).toEqual(new Set([0, 1]));
    expect(state.started.has(2)).toBe(false);
  });

  it('starts no waiting source once the signal is aborted', async () => {
    const controller = new AbortController();
    const { state, sources } = instrumented(4, 3);
    const values: string[] = [];
    for await (const value of mergeBounded(sources, 1, controller.signal)) {
      values.push(value);
      controller.abort();
    }
    expect(values).toEqual(['0:0', '0:1', '0:2']);
    expect(state.started).toEqual(new Set([0]));
  });
});
