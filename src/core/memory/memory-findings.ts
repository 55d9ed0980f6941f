// Turns one server's memory figures and window rates into findings: what is wrong (or only looks
// wrong), how bad, the numbers behind it and what to do. Pure, shared by `memory` and the dashboard.

import type { InfoRates } from './info-rates.js';
import type { KeyspaceSample } from './keyspace-kinds.js';
import type { MemoryFigures } from './memory-figures.js';
import { formatDuration } from '../../base/duration.js';
import { formatBytes } from '../../base/units.js';

export type Severity = 'ok' | 'warning' | 'critical';

/** Orders severities for sorting and for `--fail-on`. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { ok: 0, warning: 1, critical: 2 };

/** Stable finding ids, documented in README ("memory"). */
export type FindingId =
  | 'node-down'
  | 'maxmemory-unset'
  | 'memory-high'
  | 'noeviction-near-limit'
  | 'volatile-policy-without-ttl'
  | 'evictions-now'
  | 'hit-rate-low'
  | 'fragmentation-high'
  | 'fragmentation-noise'
  | 'swapping'
  | 'peak-far-above-current'
  | 'queue-keys-evictable';

export type FindingFigure = number | string | boolean | null;

export interface Finding {
  id: FindingId;
  severity: Severity;
  /** The node's address; null for the deployment as a whole. */
  node: string | null;
  /** One line with the numbers. */
  message: string;
  /** One line: what to do about it. */
  advice: string;
  /** The numbers behind the finding, raw (bytes, ratios from 0 to 1, per-second rates). */
  figures: Record<string, FindingFigure>;
}

/** Thresholds, exported so the README, the tests and the dashboard quote the same numbers. */
export const THRESHOLDS = {
  /** Share of maxmemory in use for a warning / a critical finding. */
  memoryWarning: 0.75,
  memoryCritical: 0.9,
  /** Hit rate over the window below which it is a warning / critical. */
  hitRateWarning: 0.7,
  hitRateCritical: 0.5,
  /** Fewer lookups in the window than this cannot tell a cold or idle cache from a bad one. */
  hitRateMinLookups: 100,
  /** mem_fragmentation_ratio from which fragmentation is worth a look... */
  fragmentationRatio: 1.5,
  /** ...but only when it wastes at least this much: a high ratio on a nearly empty server is noise. */
  fragmentationMinBytes: 64 * 1024 * 1024,
  /** A part of the ratio (allocator frag, allocator RSS, RSS overhead) counts from here (as MEMORY DOCTOR does). */
  fragmentationPartRatio: 1.1,
  fragmentationPartMinBytes: 10 * 1024 * 1024,
  /** Used memory above RSS by at least this much means pages are swapped out (not allocator noise). */
  swappedMinBytes: 10 * 1024 * 1024,
  /** Peak at least this many times current, and at least peakMinBytes above it. */
  peakRatio: 1.5,
  peakMinBytes: 64 * 1024 * 1024,
  /** Share of keys without a TTL from which a volatile-* policy has (almost) nothing to evict. */
  volatileWithoutTtlShare: 0.5,
  /** Fewer keys than this (on a server far from its limit) are not judged. */
  volatileMinKeys: 100,
} as const;

export interface NodeFindingInput {
  address: string;
  /** The node's role; eviction happens on masters, so limit and policy findings are judged there only. */
  role: 'master' | 'replica';
  figures: MemoryFigures;
  /** Rates over the window; null for a single instant sample. */
  rates: InfoRates | null;
  /** What a sample of the keyspace holds (queues, locks, sessions); null or absent when not sampled. */
  keyspace?: KeyspaceSample | null;
}

/** Every finding for one reachable node, most severe first. */
export function memoryFindings(input: NodeFindingInput): Finding[] {
  const findings = [
    ...(input.role === 'master'
      ? [maxmemoryUnset(input), memoryHigh(input), noevictionNearLimit(input), volatileWithoutTtl(input), evictionsNow(input), queueKeysEvictable(input)]
      : []),
    hitRateLow(input),
    ...fragmentation(input),
    swapping(input),
    peakFarAboveCurrent(input),
  ].filter((finding): finding is Finding => finding !== null);
  return sortFindings(findings);
}

/** A node that could not be sampled (at the start or midway). */
export function nodeDownFinding(address: string, reason: string): Finding {
  return {
    id: 'node-down',
    severity: 'critical',
    node: address,
    message: `${address} is down: ${reason}`,
    advice: 'its figures are missing from the totals; check the server and the network, then run the report again',
    figures: { reason },
  };
}

/** Most severe first; the sort is stable, so nodes keep their order within a severity. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

/** The highest severity among findings, or null when there are none. */
export function worstSeverity(findings: readonly Finding[]): Severity | null {
  let worst: Severity | null = null;
  for (const finding of findings) if (worst === null || SEVERITY_RANK[finding.severity] > SEVERITY_RANK[worst]) worst = finding.severity;
  return worst;
}

function finding(input: NodeFindingInput, id: FindingId, severity: Severity, message: string, advice: string, figures: Record<string, FindingFigure>): Finding {
  return { id, severity, node: input.address, message, advice, figures };
}

const pct = (ratio: number): string => `${(ratio * 100).toFixed(ratio < 0.1 ? 1 : 0)}%`;
const isAllKeysPolicy = (policy: string | null): boolean => policy?.startsWith('allkeys-') === true;

function maxmemoryUnset(input: NodeFindingInput): Finding | null {
  const { maxmemoryBytes, usedBytes, systemMemoryBytes } = input.figures;
  if (maxmemoryBytes !== 0) return null;
  const system = systemMemoryBytes === null ? '' : ` of ${formatBytes(systemMemoryBytes)} on the machine`;
  return finding(
    input,
    'maxmemory-unset',
    'warning',
    `no maxmemory set: the cache grows until the machine runs out of memory (${usedBytes === null ? 'n/a' : formatBytes(usedBytes)} used${system})`,
    keepKeys(input) === null
      ? 'set maxmemory to about 75% of the memory the server may use, with an allkeys-lru or allkeys-lfu policy (CONFIG SET maxmemory …, then CONFIG REWRITE)'
      : `set maxmemory to about 75% of the memory the server may use, with policy noeviction: it holds ${keepKeys(input)}, which must not be evicted; ${SEPARATE_INSTANCES}`,
    { maxmemoryBytes, usedBytes, systemMemoryBytes },
  );
}

function memoryHigh(input: NodeFindingInput): Finding | null {
  const { maxmemoryUsage, countedBytes, maxmemoryBytes, headroomBytes, maxmemoryPolicy } = input.figures;
  if (maxmemoryUsage === null || maxmemoryUsage < THRESHOLDS.memoryWarning) return null;
  // Under an allkeys-* policy a full cache is working as designed: evictions make room, and the
  // evictions and hit-rate findings say whether that hurts. Elsewhere, full means failing writes.
  const severity: Severity = maxmemoryUsage >= THRESHOLDS.memoryCritical && !isAllKeysPolicy(maxmemoryPolicy) ? 'critical' : 'warning';
  return finding(
    input,
    'memory-high',
    severity,
    `${pct(maxmemoryUsage)} of maxmemory in use (${formatBytes(countedBytes ?? 0)} of ${formatBytes(maxmemoryBytes ?? 0)}, ${formatBytes(Math.max(0, headroomBytes ?? 0))} headroom, policy ${maxmemoryPolicy ?? 'n/a'})`,
    isAllKeysPolicy(maxmemoryPolicy)
      ? 'the cache is full and evicts to make room; if the hit rate suffers, raise maxmemory or store less (shorter TTLs, smaller values)'
      : keepKeys(input) === null
        ? 'raise maxmemory, delete or expire keys, or switch to an allkeys-* policy so the cache can evict instead of refusing writes'
        : `raise maxmemory or delete keys; do not switch to an allkeys-* policy: it holds ${keepKeys(input)}, which must not be evicted; ${SEPARATE_INSTANCES}`,
    { usage: maxmemoryUsage, countedBytes, maxmemoryBytes, headroomBytes, policy: maxmemoryPolicy },
  );
}

function noevictionNearLimit(input: NodeFindingInput): Finding | null {
  const { maxmemoryUsage, maxmemoryPolicy, countedBytes, maxmemoryBytes, oomErrors } = input.figures;
  if (maxmemoryPolicy !== 'noeviction' || maxmemoryUsage === null || maxmemoryUsage < THRESHOLDS.memoryWarning) return null;
  const critical = maxmemoryUsage >= THRESHOLDS.memoryCritical;
  const full = maxmemoryUsage >= 1;
  const refused = oomErrors === null || oomErrors === 0 ? '' : `; ${oomErrors} command${oomErrors === 1 ? '' : 's'} refused with OOM since start`;
  return finding(
    input,
    'noeviction-near-limit',
    critical ? 'critical' : 'warning',
    `policy noeviction at ${pct(maxmemoryUsage)} of maxmemory (${formatBytes(countedBytes ?? 0)} of ${formatBytes(maxmemoryBytes ?? 0)}): ${full ? 'it is full, writes are refused with OOM' : 'writes will be refused with OOM once it is full'}${refused}`,
    keepKeys(input) === null
      ? 'for a cache use an allkeys-lru or allkeys-lfu policy (CONFIG SET maxmemory-policy allkeys-lru), or raise maxmemory'
      : `raise maxmemory and keep noeviction: it holds ${keepKeys(input)}, which must not be evicted; ${SEPARATE_INSTANCES}`,
    { usage: maxmemoryUsage, countedBytes, maxmemoryBytes, oomErrors },
  );
}

function volatileWithoutTtl(input: NodeFindingInput): Finding | null {
  const { maxmemoryPolicy, maxmemoryBytes, maxmemoryUsage, keys, keysWithoutExpiry } = input.figures;
  if (maxmemoryPolicy?.startsWith('volatile-') !== true || maxmemoryBytes === null || maxmemoryBytes === 0) return null;
  if (keys === null || keysWithoutExpiry === null || keys === 0) return null;
  const share = keysWithoutExpiry / keys;
  const usage = maxmemoryUsage ?? 0;
  if (share <= THRESHOLDS.volatileWithoutTtlShare) return null;
  if (keys < THRESHOLDS.volatileMinKeys && usage < THRESHOLDS.memoryWarning) return null;
  return finding(
    input,
    'volatile-policy-without-ttl',
    usage >= THRESHOLDS.memoryCritical ? 'critical' : 'warning',
    `policy ${maxmemoryPolicy} evicts only keys with a TTL, but ${pct(share)} of keys (${keysWithoutExpiry} of ${keys}) have none: at the limit writes fail with OOM (${pct(usage)} of maxmemory in use)`,
    keepKeys(input) === null
      ? 'give cache keys a TTL (SET … EX), or switch to allkeys-lru / allkeys-lfu if every key may be evicted'
      : `give cache keys a TTL (SET … EX) or raise maxmemory; not allkeys-*: it holds ${keepKeys(input)}, which must not be evicted; ${SEPARATE_INSTANCES}`,
    { policy: maxmemoryPolicy, keys, keysWithoutExpiry, shareWithoutExpiry: share, usage: maxmemoryUsage },
  );
}

function evictionsNow(input: NodeFindingInput): Finding | null {
  const rates = input.rates;
  const evicted = rates?.deltas.evicted ?? null;
  if (rates === null || evicted === null || evicted <= 0) return null;
  return finding(
    input,
    'evictions-now',
    'warning',
    `evicting ${formatRate(rates.evictionsPerSec)} keys/s (${evicted} in ${formatDuration(rates.windowMs)}, policy ${input.figures.maxmemoryPolicy ?? 'n/a'})`,
    'the working set does not fit: raise maxmemory, shorten TTLs or store less; harmless only while the hit rate stays high',
    { evictedInWindow: evicted, evictionsPerSec: rates.evictionsPerSec, windowMs: rates.windowMs, policy: input.figures.maxmemoryPolicy },
  );
}

function hitRateLow(input: NodeFindingInput): Finding | null {
  const rates = input.rates;
  if (rates === null || rates.hitRate === null || rates.lookups === null || rates.lookups < THRESHOLDS.hitRateMinLookups) return null;
  if (rates.hitRate >= THRESHOLDS.hitRateWarning) return null;
  return finding(
    input,
    'hit-rate-low',
    rates.hitRate < THRESHOLDS.hitRateCritical ? 'critical' : 'warning',
    `hit rate ${pct(rates.hitRate)} over the last ${formatDuration(rates.windowMs)} (${rates.lookups} lookups, ${rates.deltas.misses ?? 'n/a'} misses)`,
    'keys expire or are evicted before they are read again, or are built differently on read and write: check TTLs, evictions and key names',
    { hitRate: rates.hitRate, lookups: rates.lookups, hits: rates.deltas.hits, misses: rates.deltas.misses, windowMs: rates.windowMs },
  );
}

function fragmentation(input: NodeFindingInput): Finding[] {
  const frag = input.figures.fragmentation;
  const { ratio, bytes } = frag;
  if (ratio === null || bytes === null || ratio < THRESHOLDS.fragmentationRatio) return [];
  const figures = {
    ratio,
    bytes,
    usedBytes: input.figures.usedBytes,
    rssBytes: input.figures.rssBytes,
    allocatorFragRatio: frag.allocatorFragRatio,
    allocatorRssRatio: frag.allocatorRssRatio,
    rssOverheadRatio: frag.rssOverheadRatio,
    activeDefragEnabled: input.figures.activeDefragEnabled,
  };
  if (bytes < THRESHOLDS.fragmentationMinBytes) {
    return [
      finding(
        input,
        'fragmentation-noise',
        'ok',
        `fragmentation ratio ${ratio.toFixed(2)} is noise: only ${formatBytes(bytes)} beyond the ${formatBytes(input.figures.usedBytes ?? 0)} in use (the process's fixed footprint dominates a nearly empty server)`,
        'nothing to do',
        figures,
      ),
    ];
  }
  const cause = fragmentationCause(input.figures);
  return [finding(input, 'fragmentation-high', 'warning', `fragmentation ratio ${ratio.toFixed(2)}: ${formatBytes(bytes)} of RSS beyond the data (${cause.what})`, cause.advice, { ...figures, cause: cause.part })];
}

interface FragmentationCause {
  part: 'allocator-fragmentation' | 'allocator-retained' | 'process-overhead' | 'unknown';
  what: string;
  advice: string;
}

/** Which part of mem_fragmentation_ratio dominates decides whether active defrag can help. */
function fragmentationCause(figures: MemoryFigures): FragmentationCause {
  const frag = figures.fragmentation;
  const part = (ratio: number | null, bytes: number | null): number =>
    ratio !== null && bytes !== null && ratio >= THRESHOLDS.fragmentationPartRatio && bytes >= THRESHOLDS.fragmentationPartMinBytes ? bytes : 0;
  const parts = [
    { part: 'allocator-fragmentation' as const, bytes: part(frag.allocatorFragRatio, frag.allocatorFragBytes) },
    { part: 'allocator-retained' as const, bytes: part(frag.allocatorRssRatio, frag.allocatorRssBytes) },
    { part: 'process-overhead' as const, bytes: part(frag.rssOverheadRatio, frag.rssOverheadBytes) },
  ].sort((a, b) => b.bytes - a.bytes);
  const top = parts[0]!;
  const jemalloc = frag.allocator?.startsWith('jemalloc') === true;
  const defrag = defragAdvice(jemalloc, figures.activeDefragEnabled, figures.activeDefragRunning);
  if (top.bytes === 0) {
    const known = frag.allocatorFragRatio !== null || frag.allocatorRssRatio !== null || frag.rssOverheadRatio !== null;
    const unmeasured = frag.allocator !== null && !jemalloc ? `the ${frag.allocator} allocator does not measure its parts` : 'this server does not report the parts';
    return {
      part: 'unknown',
      what: known ? 'no single part stands out' : unmeasured,
      advice: `active defrag reclaims allocator fragmentation only; ${defrag}`,
    };
  }
  switch (top.part) {
    case 'allocator-fragmentation':
      return { part: top.part, what: `mostly inside the allocator: allocator_frag_ratio ${frag.allocatorFragRatio?.toFixed(2)}`, advice: `active defrag can reclaim it: ${defrag}` };
    case 'allocator-retained':
      return {
        part: top.part,
        what: `mostly pages the allocator keeps but does not use: allocator_rss_ratio ${frag.allocatorRssRatio?.toFixed(2)}`,
        advice: 'MEMORY PURGE asks the allocator to return them; active defrag would not help',
      };
    default:
      return {
        part: top.part,
        what: `mostly outside the allocator: rss_overhead_ratio ${frag.rssOverheadRatio?.toFixed(2)}`,
        advice: 'this is fork copy-on-write (BGSAVE, AOF rewrite), Lua or modules, not fragmentation: active defrag would not help; check for saves in progress',
      };
  }
}

function defragAdvice(jemalloc: boolean, enabled: boolean | null, running: boolean | null): string {
  if (!jemalloc) return 'this server is not built with jemalloc, so active defrag is unavailable: a restart or a failover to a fresh replica returns the memory';
  if (running === true) return 'active defrag is running now';
  if (enabled === true) return 'active defrag is on but not running: lower active-defrag-ignore-bytes / active-defrag-threshold-lower to let it start';
  if (enabled === false) return 'turn it on with CONFIG SET activedefrag yes';
  return 'turn it on with CONFIG SET activedefrag yes (whether it is on could not be read)';
}

function swapping(input: NodeFindingInput): Finding | null {
  const { usedBytes, rssBytes, fragmentation: frag } = input.figures;
  if (usedBytes === null || rssBytes === null || frag.ratio === null || frag.ratio >= 1) return null;
  const missing = usedBytes - rssBytes;
  if (missing < THRESHOLDS.swappedMinBytes) return null;
  return finding(
    input,
    'swapping',
    'critical',
    `fragmentation ratio ${frag.ratio.toFixed(2)} < 1: ${formatBytes(missing)} of the ${formatBytes(usedBytes)} in use is not resident, so it is swapped out`,
    'every access to swapped pages costs milliseconds: give the machine more memory, lower maxmemory, or disable swap for Redis',
    { ratio: frag.ratio, usedBytes, rssBytes, swappedBytes: missing },
  );
}

function peakFarAboveCurrent(input: NodeFindingInput): Finding | null {
  const { peakBytes, usedBytes, maxmemoryBytes } = input.figures;
  if (peakBytes === null || usedBytes === null || usedBytes <= 0) return null;
  if (peakBytes < usedBytes * THRESHOLDS.peakRatio || peakBytes - usedBytes < THRESHOLDS.peakMinBytes) return null;
  // A past spike matters when it nearly reached the limit: the same load would reach it again.
  const nearLimit = maxmemoryBytes !== null && maxmemoryBytes > 0 && peakBytes >= maxmemoryBytes * THRESHOLDS.memoryCritical;
  return finding(
    input,
    'peak-far-above-current',
    nearLimit ? 'warning' : 'ok',
    `peak ${formatBytes(peakBytes)} is ${(peakBytes / usedBytes).toFixed(1)}× the ${formatBytes(usedBytes)} in use now${nearLimit ? `, and reached ${pct(peakBytes / maxmemoryBytes)} of maxmemory` : ''}`,
    nearLimit
      ? 'size maxmemory for the peak, not for today: the load that caused it would hit the limit again'
      : `the RSS may still hold the peak's pages (see fragmentation); ${input.figures.fragmentation.allocator?.startsWith('jemalloc') === false ? 'a restart returns them (MEMORY PURGE does nothing without jemalloc)' : 'MEMORY PURGE or a restart returns them'}`,
    { peakBytes, usedBytes, maxmemoryBytes },
  );
}

const SEPARATE_INSTANCES = 'queues and caches want different Redis instances: noeviction for queues, locks and sessions, allkeys-lru for the caches';

/** The queue, lock and session groups the keyspace sample found, for messages ("BullMQ queue \"emails\", redlock locks"); null when none. */
function keepKeys(input: NodeFindingInput): string | null {
  const groups = input.keyspace?.groups ?? [];
  if (groups.length === 0) return null;
  // One of each kind first (the biggest queue, the locks, the sessions), so none hides behind many queues.
  const firstOfKind = groups.filter((group, index) => groups.findIndex((other) => other.kind === group.kind) === index);
  const shown = [...firstOfKind, ...groups.filter((group) => !firstOfKind.includes(group))].slice(0, 3).map((group) => group.label);
  return groups.length > shown.length ? `${shown.join(', ')} and ${groups.length - shown.length} more` : shown.join(', ');
}

/**
 * An allkeys-* policy may evict any key: a BullMQ job or queue key (BullMQ itself demands
 * noeviction), a lock that then no longer excludes, a session. Critical once a limit is set (eviction
 * can happen now), a warning while maxmemory is 0 (it starts with the first limit).
 */
function queueKeysEvictable(input: NodeFindingInput): Finding | null {
  const { maxmemoryPolicy, maxmemoryBytes } = input.figures;
  const sample = input.keyspace;
  const held = keepKeys(input);
  if (!isAllKeysPolicy(maxmemoryPolicy) || sample === undefined || sample === null || held === null) return null;
  const limited = maxmemoryBytes !== null && maxmemoryBytes > 0;
  const seen = sample.complete ? `among all ${sample.sampled} keys` : `in a sample of ${sample.sampled} of ${sample.dbsize} keys`;
  return finding(
    input,
    'queue-keys-evictable',
    limited ? 'critical' : 'warning',
    `policy ${maxmemoryPolicy} may evict any key, and this deployment holds ${held} (found ${seen})${limited ? '' : '; no maxmemory yet, so eviction starts with the first limit'}`,
    `queues, locks and sessions must not be evicted (BullMQ requires noeviction): CONFIG SET maxmemory-policy noeviction here, and ${SEPARATE_INSTANCES.replace(/^queues and caches want/, 'give the caches their own instance, since queues and caches want')}`,
    {
      policy: maxmemoryPolicy,
      maxmemoryBytes,
      kinds: [...new Set(sample.groups.map((group) => group.kind))].join(','),
      groups: sample.groups.map((group) => group.label).join('; '),
      sampledKeys: sample.sampled,
      dbsize: sample.dbsize,
    },
  );
}

/** A per-second rate for messages: whole numbers from 10 up, one decimal below. */
export function formatRate(value: number | null): string {
  if (value === null) return 'n/a';
  return value >= 10 ? Math.round(value).toString() : value.toFixed(1);
}
