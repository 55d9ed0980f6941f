// The terminal's account of a snapshot: what was captured, where it went, what was not available.

import { formatDuration } from '../base/duration.js';
import type { SnapshotDocument } from '../core/snapshot/snapshot.js';

export function renderSnapshotSummary(doc: SnapshotDocument, file: string | null): string {
  const missing = new Map<string, number>();
  for (const node of doc.nodes) {
    for (const [part, value] of Object.entries({ info: node.info, config: node.config, slowlog: node.slowlog, latency: node.latency, 'latency doctor': node.latencyDoctor, 'memory doctor': node.memoryDoctor, clients: node.clients, cluster: node.cluster })) {
      if (value !== null && !value.available) missing.set(part, (missing.get(part) ?? 0) + 1);
    }
  }
  const up = doc.nodes.filter((node) => node.status === 'up').length;
  const problems = doc.findings.filter((finding) => finding.severity !== 'ok');
  const lines = [
    `snapshot of ${doc.topology}: ${up}/${doc.nodes.length} data nodes up, live window ${formatDuration(doc.recording.windowMs)}, ${doc.recording.total.length} points`,
    `findings: ${problems.length === 0 ? 'none' : problems.map((finding) => `${finding.severity} ${finding.id}${finding.node === null ? '' : ` (${finding.node})`}`).join(', ')}`,
    `keyspace: ${doc.keyspace.available ? `${doc.keyspace.value.report.scanned} keys in ${doc.keyspace.value.report.namespaceCount} namespaces` : doc.keyspace.reason}`,
  ];
  if (missing.size > 0) lines.push(`not available: ${[...missing].map(([part, count]) => `${part} on ${count} node${count === 1 ? '' : 's'}`).join(', ')} (reasons in the file)`);
  for (const note of doc.notes) lines.push(`note: ${note}`);
  lines.push(file === null ? 'no file written (pass -f FILE for the HTML report)' : `written: ${file}`);
  return `${lines.join('\n')}\n`;
}
