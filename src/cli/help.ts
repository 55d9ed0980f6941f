// Help text: every subcommand's --help lists its own options first, then the global ones under
// the same headings as `cachectl --help` (Connection:, Output:), so no flag is ever missing from it.

import { Help } from 'commander';
import type { Command, Option } from 'commander';

export class GroupedHelp extends Help {
  constructor() {
    super();
    // The inherited options are listed below, grouped; commander's single "Global Options:" list is not.
    this.showGlobalOptions = false;
  }

  /** Options of the ancestors (the global flags), without help and version. */
  private inherited(cmd: Command): Option[] {
    const options: Option[] = [];
    for (let ancestor = cmd.parent; ancestor !== null; ancestor = ancestor.parent) {
      options.push(...ancestor.options.filter((option) => !option.hidden && option.long !== '--version' && option.long !== '--help'));
    }
    return options;
  }

  override padWidth(cmd: Command, helper: Help): number {
    const terms = this.inherited(cmd).map((option) => helper.displayWidth(helper.styleOptionTerm(helper.optionTerm(option))));
    return Math.max(super.padWidth(cmd, helper), ...terms);
  }

  override formatHelp(cmd: Command, helper: Help): string {
    const own = super.formatHelp(cmd, helper);
    const inherited = this.inherited(cmd);
    if (inherited.length === 0) return own;
    const width = helper.padWidth(cmd, helper);
    const sections: string[] = [];
    const groups = this.groupItems([], inherited, (option) => option.helpGroupHeading ?? 'Global options:');
    groups.forEach((options, heading) => {
      const items = options.map((option) => helper.formatItem(helper.styleOptionTerm(helper.optionTerm(option)), width, helper.styleOptionDescription(helper.optionDescription(option)), helper));
      sections.push(...this.formatItemList(heading, items, helper));
    });
    return `${own.replace(/\n*$/, '\n\n')}${sections.join('\n').replace(/\n*$/, '\n')}`;
  }
}

/**
 * redis-cli's -h is the host, and `cachectl -h` alone still asks for help: a bare -h (last, or
 * followed by another flag) becomes --help; `-h HOST` stays the host.
 */
export function helpForBareH(args: readonly string[]): string[] {
  const result = [...args];
  for (let i = 0; i < result.length; i += 1) {
    if (result[i] === '--') break;
    if (result[i] === '-h' && (i + 1 === result.length || result[i + 1]!.startsWith('-'))) result[i] = '--help';
  }
  return result;
}
