// Memory of the explorer: peak RSS of `cachectl browse` (drawn in a 120×30 tmux terminal, run until
// its footer says the scan is complete) against `cachectl keys` on the same seeded keyspace. Both
// walk every key with its type, TTL and memory; browse also keeps the namespace tree on screen.
// "wall s" for browse is spawn to the first screen that shows "scan complete" (polled every 100 ms).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStatus } from '../lib/measure.js';
import { startTerminal, terminalMeasurement } from '../lib/tmux.js';
import { CACHECTL_BIN, REPO_ROOT, cachectlArgv, toolEnv } from '../lib/tools.js';

const TERMINAL = { columns: 120, rows: 30 };
const POLL_MS = 100;

/** @param {string} screen @returns {string | undefined} the footer once the scan ended, however it ended */
function finalFooter(screen) {
  return screen.split('\n').find((line) => /\bscan (complete|failed|stopped)\b/.test(line))?.trim();
}

/** @type {NonNullable<import('../lib/runner.js').BenchRun['execute']>} */
async function measureBrowse(ctx, io) {
  const started = performance.now();
  const terminal = startTerminal({
    argv: cachectlArgv(['browse', '--url', ctx.url, '--readonly']),
    ...TERMINAL,
    env: toolEnv({ color: true }),
    cwd: REPO_ROOT,
    dir: ctx.workDir,
  });
  try {
    io.onSpawn();
    let peakRssKb = 0;
    let samples = 0;
    let footer;
    let timedOut = false;
    for (;;) {
      const status = readStatus(terminal.pid);
      if (status !== undefined) peakRssKb = Math.max(peakRssKb, status.hwmKb);
      samples++;
      footer = finalFooter(await terminal.screen());
      if (footer !== undefined || (await terminal.state()).dead) break;
      if (performance.now() - started > io.timeoutMs) {
        timedOut = true;
        break;
      }
      await sleep(POLL_MS);
    }
    const wallMs = performance.now() - started;
    const screen = await terminal.screen();
    const now = await terminal.state();
    let exitCode = now.status;
    if (!now.dead && !timedOut) {
      await terminal.sendKeys('q');
      exitCode = await terminal.waitForExit(5_000);
    }
    const scanned = footer === undefined ? undefined : /scan complete · ([\d,]+) keys/.exec(footer)?.[1];
    const keys = await ctx.admin.dbsize();
    return {
      ...terminalMeasurement({ exitCode, wallMs, peakRssKb, samples, timedOut }),
      // SCAN may return a key twice, never skip one that stayed.
      verified: scanned !== undefined && Number(scanned.replaceAll(',', '')) >= keys,
      notes: [
        footer === undefined ? `no final footer; screen ends: ${screen.trim().split('\n').slice(-2).join(' | ')}` : `footer: ${footer}`,
        ...(exitCode === null && !timedOut ? ['did not exit within 5 s of q'] : []),
      ],
    };
  } finally {
    await terminal.close();
  }
}

/** @type {import('../lib/runner.js').Scenario} */
export const browseScenario = {
  name: 'browse',
  description: 'peak RSS of cachectl browse (TUI, whole scan) vs cachectl keys on the same keyspace',
  runs(ctx) {
    return [
      { id: 'keys', tool: 'cachectl', label: 'keys -o json (type+TTL+memory)', argv: ['keys', '--url', ctx.url, '-o', 'json'] },
      {
        id: 'browse',
        tool: 'cachectl',
        label: `browse --readonly, TUI in tmux ${TERMINAL.columns}×${TERMINAL.rows}, to "scan complete"`,
        command: `tmux new-session -x ${TERMINAL.columns} -y ${TERMINAL.rows} 'node ${CACHECTL_BIN.slice(REPO_ROOT.length + 1)} browse --url ${ctx.url} --readonly'; q once the footer says "scan complete"`,
        execute: measureBrowse,
        compareTo: 'keys',
        compareBy: 'peakRss',
      },
    ];
  },
};
