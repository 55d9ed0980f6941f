// Turns what MONITOR prints for one command back into its arguments as bytes.
// MONITOR quotes every argument the way sdscatrepr() does (`"caf\xc3\xa9"`, `"a\"b"`), so the line is
// ASCII and an exact round trip to the bytes the client sent is possible.

export interface MonitorEntry {
  /** Server time of the command, in seconds with microseconds. */
  time: number;
  db: number;
  /** Client address (`127.0.0.1:52044`), `lua` for commands run by a script, `unix:/path` for sockets. */
  source: string;
  args: Buffer[];
}

const ESCAPES: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, a: 0x07, b: 0x08, '\\': 0x5c, '"': 0x22 };

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

/**
 * Parses the quoted argument list of a MONITOR line (`"set" "k" "v"`). Returns undefined for text
 * that is not a well-formed list, so a malformed line is counted as such and never misattributed.
 */
export function parseQuotedArgs(text: string): Buffer[] | undefined {
  const args: Buffer[] = [];
  let i = 0;
  const n = text.length;
  const bytes: number[] = [];
  while (i < n) {
    if (text[i] !== '"') return undefined;
    i++;
    bytes.length = 0;
    let closed = false;
    while (i < n) {
      const ch = text[i] as string;
      if (ch === '"') {
        closed = true;
        i++;
        break;
      }
      if (ch === '\\') {
        const next = text[i + 1];
        if (next === undefined) return undefined;
        if (next === 'x') {
          const hi = hexValue(text.charCodeAt(i + 2));
          const lo = hexValue(text.charCodeAt(i + 3));
          if (hi < 0 || lo < 0) return undefined;
          bytes.push(hi * 16 + lo);
          i += 4;
          continue;
        }
        const escaped = ESCAPES[next];
        if (escaped === undefined) return undefined;
        bytes.push(escaped);
        i += 2;
        continue;
      }
      bytes.push(text.charCodeAt(i) & 0xff);
      i++;
    }
    if (!closed) return undefined;
    args.push(Buffer.from(bytes));
    if (i < n) {
      if (text[i] !== ' ') return undefined;
      i++;
    }
  }
  return args;
}

/** Parses a whole MONITOR line: `1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`. */
export function parseMonitorLine(line: string): MonitorEntry | undefined {
  const space = line.indexOf(' ');
  const open = line.indexOf('[', space);
  const close = line.indexOf('] ', open);
  if (space <= 0 || open !== space + 1 || close < 0) return undefined;
  const time = Number(line.slice(0, space));
  const [dbText, source] = line.slice(open + 1, close).split(' ', 2);
  const db = Number(dbText);
  const args = parseQuotedArgs(line.slice(close + 2));
  if (!Number.isFinite(time) || !Number.isInteger(db) || source === undefined || args === undefined || args.length === 0) return undefined;
  return { time, db, source, args };
}
