// The explorer's status line: the scan's progress or result, the key list's state, and what is
// missing (failed nodes), with a flag for when it should stand out.

import type { LiveTreeSnapshot } from '../../core/namespaces/live-namespaces.js';
import { formatScanProgress } from '../../render/progress.js';
import { formatCount } from './format.js';
import type { KeyListState } from './hooks.js';

export function statusLine(snapshot: LiveTreeSnapshot, keyList: KeyListState | undefined): { text: string; warning: boolean } {
  const parts: string[] = [];
  let warning = false;
  if (keyList?.biggest === true) {
    const of = `the ${formatCount(keyList.entries.length)} biggest of ${formatCount(keyList.matched ?? 0)} keys under ${keyList.namespace}`;
    if (keyList.status === 'loading') parts.push(`scanning for the biggest keys… ${of} so far`);
    else if (keyList.status === 'failed') {
      parts.push(`scan failed: ${keyList.error ?? ''}`);
      warning = true;
    } else parts.push(of);
    if (keyList.failedNodes.length > 0) {
      parts.push(`incomplete: ${keyList.failedNodes.join(', ')}`);
      warning = true;
    }
  } else if (keyList !== undefined) {
    if (keyList.status === 'loading') parts.push(`listing keys… ${formatCount(keyList.entries.length)} found`);
    else if (keyList.status === 'failed') {
      parts.push(`listing failed: ${keyList.error ?? ''}`);
      warning = true;
    } else parts.push(`${formatCount(keyList.entries.length)} keys${keyList.truncated ? ' (the first found; more exist)' : ''}`);
    if (keyList.failedNodes.length > 0) {
      parts.push(`list incomplete: ${keyList.failedNodes.join(', ')}`);
      warning = true;
    }
  }
  switch (snapshot.status) {
    case 'scanning':
      parts.push(formatScanProgress(snapshot, snapshot.matching));
      break;
    case 'failed':
      parts.push(`scan failed: ${snapshot.error?.message ?? 'unknown error'}`);
      warning = true;
      break;
    default: {
      const verb = snapshot.status === 'stopped' ? 'scan stopped' : snapshot.sampled ? 'sample (--limit)' : 'scan complete';
      parts.push(`${verb} · ${formatCount(snapshot.scanned)} keys · ${formatCount(snapshot.namespaceCount)} namespaces · ${(snapshot.elapsedMs / 1000).toFixed(1)}s`);
    }
  }
  if (snapshot.failed.length > 0) {
    parts.push(`incomplete: ${snapshot.failed.map((node) => `node ${node.node}${node.error === null ? '' : ` (${node.error.message})`}`).join(', ')}`);
    warning = true;
  }
  return { text: parts.join(' · '), warning };
}
