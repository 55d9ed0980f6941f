// `cachectl version`: the same as --version, as kubectl and docker users type it.

import { Command } from 'commander';
import { renderJson } from '../../render/json.js';
import type { GlobalFlags } from '../globals.js';
import type { Runtime } from '../runtime.js';
import { cliVersion } from '../version.js';

export function versionCommand(runtime: Runtime): Command {
  const command: Command = new Command('version').description('print the cachectl version (-o json adds Node.js)').action(
    runtime.action(async (ctx) => {
      // Text even into a pipe, unless JSON is asked for explicitly.
      const output = command.optsWithGlobals<GlobalFlags>().output;
      ctx.write(output === 'json' || output === 'ndjson' ? renderJson({ version: cliVersion(), node: process.versions.node }) : `${cliVersion()}\n`);
    }),
  );
  return command;
}
