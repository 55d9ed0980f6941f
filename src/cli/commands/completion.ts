// `cachectl completion bash|zsh|fish`: prints the shell completion script (commands, flags, flag
// choices; context names looked up at completion time through the hidden --context-names).
// Loads no Redis client and no renderer: a shell may run it at every start.

import { Argument, Command, Option } from 'commander';
import { usageError } from '../../base/errors.js';
import { loadCompletionSpec } from '../completion-spec.js';
import { contextNames } from '../completion-quick.js';
import { completionScript, SHELLS } from '../completion-scripts.js';
import type { Shell } from '../completion-scripts.js';
import type { Runtime } from '../runtime.js';

export function completionCommand(runtime: Runtime): Command {
  return new Command('completion')
    .description('print the shell completion script (commands, flags, choices, context names)')
    .addArgument(new Argument('[shell]', 'the shell to complete in').choices(SHELLS))
    .addOption(new Option('--context-names', 'print the context names of the config file, one a line (the scripts call it)').hideHelp())
    .addHelpText(
      'after',
      `
Install (once; generate it again after upgrading cachectl):
  bash  echo 'source <(cachectl completion bash)' >> ~/.bashrc
        or: cachectl completion bash > ~/.local/share/bash-completion/completions/cachectl
  zsh   echo 'source <(cachectl completion zsh)' >> ~/.zshrc   (after compinit)
        or: cachectl completion zsh > "\${fpath[1]}/_cachectl"
  fish  cachectl completion fish > ~/.config/fish/completions/cachectl.fish

Commands, flags and flag choices complete, and so do context names (--context, context use/show),
read from the config file at the moment you press TAB.`,
    )
    .action(
      runtime.action<{ contextNames?: boolean }>(async (ctx, options, args) => {
        if (options.contextNames === true) {
          ctx.write(await contextNames(ctx.io.env));
          return;
        }
        const shell = args[0] as Shell | undefined;
        if (shell === undefined) {
          throw usageError('completion', 'needs the shell: bash, zsh or fish', 'e.g. source <(cachectl completion bash); see cachectl completion --help');
        }
        ctx.write(completionScript(shell, await loadCompletionSpec()));
      }),
    );
}
