// The one-line scan progress shown on stderr while a scan runs on a terminal.

import { formatDuration } from '../base/duration.js';
import type { ScanProgress } from '../core/scan/scan-progress.js';

/** Takes any object with ScanProgress's counters (the explorer passes its snapshots). */
export function formatScanProgress(progress: Pick<ScanProgress, 'scanned' | 'total' | 'keysPerSecond'>, matching: boolean): string {
  const scanned = progress.scanned.toLocaleString('en-US');
  const rate = Math.round(progress.keysPerSecond).toLocaleString('en-US');
  const total = progress.total;
  if (matching || total === 0) return `scanning… ${scanned} keys matched · ${rate} keys/s`;
  const remaining = Math.max(0, total - progress.scanned);
  const eta = progress.keysPerSecond > 0 ? ` · ETA ${formatDuration((remaining / progress.keysPerSecond) * 1000)}` : '';
  const percent = Math.min(100, Math.floor((progress.scanned / total) * 100));
  return `scanning… ${scanned} / ${total.toLocaleString('en-US')} keys (${percent}%) · ${rate} keys/s${eta}`;
}
