// `cachectl nodes` (alias `ping`): the first thing to run mid-incident — what am I connected to,
// and is every node answering?

import { Command } from 'commander';
import { ExitCode } from '../../base/errors.js';
import { describeNodes } from '../../core/nodes/nodes.js';
import { renderJson, renderNdjsonLine } from '../../render/json.js';
import { renderNodesTable } from '../../render/nodes-table.js';
import type { Runtime } from '../runtime.js';

export function nodesCommand(runtime: Runtime): Command {
  return new Command('nodes')
    .alias('ping')
    .description('list every node of the topology: role, version, slots, keys, latency')
    .addHelpText('after', '\nExamples:\n  cachectl nodes --url redis://10.0.0.5:6379\n  cachectl nodes --cluster 10.0.0.1:7000 -o json\n  cachectl ping --sentinel 10.0.0.9:26379 --master cache')
    .action(
      runtime.action(async (ctx) => {
        const topology = await ctx.connect();
        const report = await describeNodes(topology, ctx.signal);
        if (ctx.output === 'json') ctx.write(renderJson(ctx.withTarget(report)));
        else if (ctx.output === 'ndjson') for (const node of report.nodes) ctx.write(renderNdjsonLine(ctx.withTarget({ topology: report.topology, ...node })));
        else ctx.write(renderNodesTable(report, ctx.color));
        const down = report.nodes.filter((node) => node.status === 'down');
        for (const node of down) ctx.warn(`${node.role} ${node.address} is down: ${node.error?.message ?? 'no answer'}`);
        return down.length > 0 ? ExitCode.Error : ExitCode.Ok;
      }),
    );
}
