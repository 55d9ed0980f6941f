// A known load mix for `cachectl traffic` tests: namespaces with a known hit rate, a stampeding key,
// a hot key and a write-only namespace. It keeps its own truth from the replies it gets, so a test
// compares what traffic inferred with what really happened.
import type { Cluster, Redis } from 'ioredis';

export interface NamespaceTruth {
  reads: number;
  hits: number;
  writes: number;
}

export interface LoadTruth {
  namespaces: Map<string, NamespaceTruth>;
  stampedeKey: string;
  hotKey: string;
}

/** Keys the mix reads as hits; written with a TTL before sampling starts. */
export async function seedLoad(client: Redis | Cluster, prefix: string): Promise<void> {
  for (const ns of ['hot', 'cold']) {
    for (let i = 0; i < 100; i++) await client.set(`${prefix}:${ns}:${i}`, 'v', 'EX', 600);
  }
}

function truthFor(map: Map<string, NamespaceTruth>, namespace: string): NamespaceTruth {
  let entry = map.get(namespace);
  if (entry === undefined) {
    entry = { reads: 0, hits: 0, writes: 0 };
    map.set(namespace, entry);
  }
  return entry;
}

/**
 * Runs the mix once, attributing keys with `namespaceOf` (the inference under test, so a change of
 * placeholder spelling does not break the comparison) (a few thousand commands, about a second): `hot` ≈ 95% hits, `cold` ≈ 20%,
 * one missing key read 30 times at once (a stampede), one key read 300 extra times (hot), and a
 * `log` namespace written 300 times without a TTL and never read, and a `cfg` namespace read and
 * rewritten without a TTL.
 */
export async function runLoadMix(client: Redis | Cluster, prefix: string, namespaceOf: (key: string) => string): Promise<LoadTruth> {
  const namespaces = new Map<string, NamespaceTruth>();
  const read = async (key: string) => {
    const value = await client.get(key);
    const truth = truthFor(namespaces, namespaceOf(key));
    truth.reads += 1;
    if (value !== null) truth.hits += 1;
  };
  const batch = async (jobs: (() => Promise<void>)[]) => {
    for (let i = 0; i < jobs.length; i += 50) await Promise.all(jobs.slice(i, i + 50).map((job) => job()));
  };
  const jobs: (() => Promise<void>)[] = [];
  for (let i = 0; i < 600; i++) jobs.push(() => read(i % 20 === 0 ? `${prefix}:hot:${1000 + i}` : `${prefix}:hot:${i % 100}`));
  for (let i = 0; i < 400; i++) jobs.push(() => read(i % 5 === 0 ? `${prefix}:cold:${i % 100}` : `${prefix}:cold:${1000 + i}`));
  for (let i = 0; i < 300; i++) jobs.push(() => read(`${prefix}:hot:7`));
  for (let i = 0; i < 300; i++) {
    jobs.push(async () => {
      await client.set(`${prefix}:log:${i % 10}`, `line ${i}`);
      truthFor(namespaces, namespaceOf(`${prefix}:log:${i % 10}`)).writes += 1;
    });
  }
  // Read and rewritten, never with a TTL: the "missing expiry or invalidation" hint.
  for (let i = 0; i < 10; i++) {
    jobs.push(async () => {
      await client.set(`${prefix}:cfg:${i % 5}`, 'on');
      truthFor(namespaces, namespaceOf(`${prefix}:cfg:${i % 5}`)).writes += 1;
    });
  }
  await batch(jobs);
  for (let i = 0; i < 50; i++) await read(`${prefix}:cfg:${i % 5}`);
  const stampedeKey = `${prefix}:stampede:report`;
  await Promise.all(Array.from({ length: 30 }, () => read(stampedeKey)));
  return { namespaces, stampedeKey, hotKey: `${prefix}:hot:7` };
}
