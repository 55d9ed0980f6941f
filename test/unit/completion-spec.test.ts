// The completion spec read from commander definitions, and the scripts generated from it.
import { Argument, Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandSpec, completionSpecOf } from '../../src/cli/completion-spec.js';
import { completionScript } from '../../src/cli/completion-scripts.js';

function sampleProgram(): Command {
  const program = new Command('tool').option('-o, --output <format>', 'format').option('--context <name>', 'profile');
  program.options[0]!.choices(['table', 'json']);
  program
    .command('save')
    .summary('save things')
    .argument('<file>', 'where')
    .option('--out <file>', 'also here')
    .option('--level [n]', 'optional value')
    .option('-y, --yes', 'no questions')
    .addOption(new Option('--secret-helper', 'internal').hideHelp());
  const group = program.command('group').summary('a group');
  group.command('use').argument('<name>');
  group.command('pick').addArgument(new Argument('<colour>').choices(['red', 'blue']));
  program.command('internal', { hidden: true });
  return program;
}

describe('commandSpec', () => {
  const spec = completionSpecOf(sampleProgram(), '1.2.3');
  const save = spec.root.commands.find((command) => command.name === 'save')!;

  it('reads each flag: its names, whether it takes a value, and how the value completes', () => {
    expect(spec.root.options).toEqual([
      { names: ['-o', '--output'], help: 'format', arity: 'required', value: { choices: ['table', 'json'] } },
      { names: ['--context'], help: 'profile', arity: 'required', value: 'context' },
      { names: ['--help'], help: 'show help', arity: 'switch', value: 'plain' },
    ]);
    expect(save.options.map((option) => [option.names.join(' '), option.arity, option.value])).toEqual([
      ['--out', 'required', 'file'],
      ['--level', 'optional', 'plain'],
      ['-y --yes', 'switch', 'plain'],
      ['--help', 'switch', 'plain'],
    ]);
  });

  it('leaves hidden flags and commands out, and adds help with a command argument', () => {
    expect(spec.root.commands.map((command) => command.name)).toEqual(['save', 'group', 'help']);
    expect(spec.root.commands.at(-1)!.arguments).toEqual([{ name: 'command', value: 'command', variadic: false }]);
  });

  it('knows argument choices from commander and file arguments by name', () => {
    expect(save.arguments).toEqual([{ name: 'file', value: 'file', variadic: false }]);
    const group = commandSpec(sampleProgram().commands[1]!, 'group');
    expect(group.commands.map((command) => command.arguments[0]!.value)).toEqual(['plain', { choices: ['red', 'blue'] }]);
  });
});

describe('completionScript', () => {
  const spec = completionSpecOf(sampleProgram(), '1.2.3');

  it('bash: one case line per command path, the globals offered everywhere, registered for the program', () => {
    const script = completionScript('bash', spec, 'tool');
    expect(script).toContain(`'group') printf '%s\\n' 'use:' 'pick:'`);
    expect(script).toContain(`'save|--out') echo 'required file'; return ;;`);
    expect(script).toContain(`'-o'|'--output') echo 'required choices table json' ;;`);
    expect(script).toContain(`'group pick|0') echo 'choices red blue' ;;`);
    expect(script).toMatch(/\ncomplete -F _tool tool\n$/);
    expect(script).toContain('# bash completion for tool 1.2.3');
  });

  it('zsh: a #compdef file that registers itself when sourced and completes when autoloaded', () => {
    const script = completionScript('zsh', spec, 'tool');
    expect(script.startsWith('#compdef tool\n')).toBe(true);
    expect(script).toContain('compdef _tool tool');
    expect(script).toContain('_describe -t commands command lines');
  });

  it('fish: complete lines per command path with descriptions, choices and files', () => {
    const script = completionScript('fish', spec, 'tool');
    expect(script).toContain(`complete -c tool -n '__tool_at \\'\\'' -a 'save' -d 'save things'`);
    expect(script).toContain(`complete -c tool -s 'o' -l 'output' -x -a 'table json' -d 'format'`);
    expect(script).toContain(`complete -c tool -n '__tool_at \\'save\\'' -l 'out' -r -F -d 'also here'`);
    expect(script).toContain(`complete -c tool -l 'context' -x -a '(__tool_contexts)' -d 'profile'`);
  });

  it('quotes help text with quotes in it', () => {
    const program = new Command('tool');
    program.command('x').summary(`it's "quoted"`);
    expect(completionScript('bash', completionSpecOf(program, '1'), 'tool')).toContain(`'x:it'\\''s "quoted"'`);
    expect(completionScript('fish', completionSpecOf(program, '1'), 'tool')).toContain(`-d 'it\\'s "quoted"'`);
  });
});
