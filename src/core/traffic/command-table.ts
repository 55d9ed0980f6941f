// What a sampled command does to which keys: read, write, delete, expire or other, and where its
// keys are among its arguments. Learned from the server (COMMAND INFO), so module commands and
// renamed servers are handled, with the movable-key commands (EVAL, XREAD, ZUNION…) decoded here.

export type CommandClass = 'read' | 'write' | 'delete' | 'expire' | 'other';

export interface CommandSpec {
  readonly class: CommandClass;
  /** Positions of the key arguments in `args` (args[0] is the command name). */
  keys(args: readonly Buffer[]): number[];
  /** For writes: true when this call gives the key a TTL (SET … EX, SETEX, …). */
  setsTtl?(args: readonly Buffer[]): boolean;
}

const DELETES = new Set(['del', 'unlink']);
const EXPIRES = new Set(['expire', 'pexpire', 'expireat', 'pexpireat', 'persist']);
// Writes that look the key up for reading first, so a missing key fires a keymiss event.
const READING_WRITES = new Set(['getdel', 'getex']);
const TTL_WRITES = new Set(['setex', 'psetex']);
const TTL_OPTIONS = new Set(['ex', 'px', 'exat', 'pxat', 'keepttl']);

function lower(arg: Buffer | undefined): string {
  return arg === undefined ? '' : arg.toString('latin1').toLowerCase();
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i += step) out.push(i);
  return out;
}

function numkeysAt(index: number, extraBefore: number[] = []): (args: readonly Buffer[]) => number[] {
  return (args) => {
    const count = Number(lower(args[index]));
    if (!Number.isInteger(count) || count < 0) return extraBefore;
    return [...extraBefore, ...range(index + 1, Math.min(index + count, args.length - 1))];
  };
}

function streamKeys(args: readonly Buffer[]): number[] {
  const at = args.findIndex((arg, i) => i > 0 && lower(arg) === 'streams');
  if (at < 0) return [];
  const rest = args.length - at - 1;
  return range(at + 1, at + Math.floor(rest / 2));
}

/** Commands whose keys COMMAND INFO cannot place (movablekeys): where their keys are. */
const MOVABLE: Record<string, (args: readonly Buffer[]) => number[]> = {
  eval: numkeysAt(2),
  evalsha: numkeysAt(2),
  eval_ro: numkeysAt(2),
  evalsha_ro: numkeysAt(2),
  fcall: numkeysAt(2),
  fcall_ro: numkeysAt(2),
  zunion: numkeysAt(1),
  zinter: numkeysAt(1),
  zdiff: numkeysAt(1),
  zintercard: numkeysAt(1),
  sintercard: numkeysAt(1),
  lmpop: numkeysAt(1),
  zmpop: numkeysAt(1),
  blmpop: numkeysAt(2),
  bzmpop: numkeysAt(2),
  zunionstore: numkeysAt(2, [1]),
  zinterstore: numkeysAt(2, [1]),
  zdiffstore: numkeysAt(2, [1]),
  xread: streamKeys,
  xreadgroup: streamKeys,
};

/** The parts of a COMMAND INFO reply this needs (RESP2 array form). */
export interface CommandInfo {
  name: string;
  flags: readonly string[];
  firstKey: number;
  lastKey: number;
  step: number;
}

/** Decodes one entry of a COMMAND INFO reply; undefined for an unknown command (a nil entry). */
export function parseCommandInfo(entry: unknown): CommandInfo | undefined {
  if (!Array.isArray(entry) || entry.length < 6) return undefined;
  const [name, , flags, first, last, step] = entry as unknown[];
  const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value));
  return {
    name: text(name).toLowerCase(),
    flags: Array.isArray(flags) ? flags.map((flag) => text(flag).toLowerCase()) : [],
    firstKey: Number(first),
    lastKey: Number(last),
    step: Number(step),
  };
}

function classOf(info: CommandInfo): CommandClass {
  if (DELETES.has(info.name)) return 'delete';
  if (EXPIRES.has(info.name)) return 'expire';
  if (READING_WRITES.has(info.name) || info.flags.includes('readonly')) return 'read';
  if (info.flags.includes('write')) return 'write';
  return 'other';
}

function setTtlCheck(name: string): ((args: readonly Buffer[]) => boolean) | undefined {
  if (TTL_WRITES.has(name)) return () => true;
  if (name === 'set') return (args) => args.slice(3).some((arg) => TTL_OPTIONS.has(lower(arg)));
  return undefined;
}

/** Builds the spec of a command from what the server says about it. */
export function commandSpec(info: CommandInfo): CommandSpec {
  const movable = MOVABLE[info.name];
  const { firstKey, lastKey, step } = info;
  const keys = movable ?? ((args: readonly Buffer[]) => {
    if (firstKey <= 0) return [];
    // A negative last key counts from the end (-1: the last argument).
    const last = lastKey < 0 ? args.length + lastKey : Math.min(lastKey, args.length - 1);
    return range(firstKey, last, step > 0 ? step : 1);
  });
  const setsTtl = setTtlCheck(info.name);
  return setsTtl === undefined ? { class: classOf(info), keys } : { class: classOf(info), keys, setsTtl };
}

/** For a server that will not say (COMMAND renamed or not permitted): the command's first argument is its key. */
export function fallbackSpec(name: string): CommandSpec {
  return commandSpec({ name, flags: [], firstKey: 1, lastKey: 1, step: 1 });
}
