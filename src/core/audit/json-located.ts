// A strict JSON parser (RFC 8259) that remembers where each value starts, so a file that people
// write by hand (the TTL policy) can be rejected with the line and column at fault, not only a path.

/** 1-based line and column (in UTF-16 code units, as editors count them). */
export interface SourcePosition {
  line: number;
  column: number;
}

export type LocatedValue = SourcePosition &
  (
    | { kind: 'object'; entries: Map<string, LocatedEntry> }
    | { kind: 'array'; items: LocatedValue[] }
    | { kind: 'string'; value: string }
    | { kind: 'number'; value: number }
    | { kind: 'boolean'; value: boolean }
    | { kind: 'null' }
  );

export interface LocatedEntry {
  /** Where the field name is. */
  key: SourcePosition;
  value: LocatedValue;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: SourcePosition,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/**
 * Parses `text` as one JSON value. Stricter than JSON.parse in one way that matters for config:
 * a field given twice is an error (JSON.parse silently keeps the last one). A leading UTF-8 BOM is
 * skipped. Throws JsonSyntaxError with the position of the problem.
 */
export function parseLocatedJson(text: string): LocatedValue {
  const parser = new Parser(text);
  parser.skipBom();
  parser.skipSpace();
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail('unexpected text after the JSON value');
  return value;
}

/** A short description of a value's type for error messages: `a string`, `a number`, `an array`... */
export function describeKind(value: LocatedValue): string {
  switch (value.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'null':
      return 'null';
    default:
      return `${value.kind === 'string' ? 'a string' : value.kind === 'number' ? 'a number' : 'a boolean'} (${JSON.stringify(value.value)})`;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private at = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipBom(): void {
    if (this.text.charCodeAt(0) === 0xfeff) {
      this.at = 1;
      this.lineStart = 1;
    }
  }

  position(at = this.at): SourcePosition {
    return { line: this.line, column: at - this.lineStart + 1 };
  }

  fail(message: string, at = this.at): never {
    throw new JsonSyntaxError(message, this.position(at));
  }

  skipSpace(): void {
    const text = this.text;
    while (this.at < text.length) {
      const c = text.charCodeAt(this.at);
      if (c === 0x0a) {
        this.at += 1;
        this.line += 1;
        this.lineStart = this.at;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
        this.at += 1;
      } else {
        break;
      }
    }
  }

  value(): LocatedValue {
    const start = this.position();
    const c = this.text[this.at];
    if (c === '{') return this.object(start);
    if (c === '[') return this.array(start);
    if (c === '"') return { ...start, kind: 'string', value: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return { ...start, kind: 'number', value: this.number() };
    for (const [word, literal] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return literal === null ? { ...start, kind: 'null' } : { ...start, kind: 'boolean', value: literal };
      }
    }
    if (c === undefined) this.fail('unexpected end of file: a value was expected');
    return this.fail(`unexpected ${JSON.stringify(c)}: a value was expected (strings need double quotes)`);
  }

  private object(start: SourcePosition): LocatedValue {
    this.at += 1; // {
    const entries = new Map<string, LocatedEntry>();
    this.skipSpace();
    if (this.text[this.at] === '}') {
      this.at += 1;
      return { ...start, kind: 'object', entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] !== '"') this.fail(this.text[this.at] === '}' ? 'trailing comma before "}"' : 'expected a field name in double quotes');
      const keyOffset = this.at;
      const keyAt = this.position();
      const key = this.string();
      if (entries.has(key)) this.fail(`field "${key}" is given twice`, keyOffset);
      this.skipSpace();
      if (this.text[this.at] !== ':') this.fail(`expected ":" after field name "${key}"`);
      this.at += 1;
      this.skipSpace();
      entries.set(key, { key: keyAt, value: this.value() });
      this.skipSpace();
      const next = this.text[this.at];
      if (next === ',') {
        this.at += 1;
        continue;
      }
      if (next === '}') {
        this.at += 1;
        return { ...start, kind: 'object', entries };
      }
      this.fail(next === undefined ? 'unexpected end of file: "}" was expected' : 'expected "," or "}" after a field value');
    }
  }

  private array(start: SourcePosition): LocatedValue {
    this.at += 1; // [
    const items: LocatedValue[] = [];
    this.skipSpace();
    if (this.text[this.at] === ']') {
      this.at += 1;
      return { ...start, kind: 'array', items };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === ']') this.fail('trailing comma before "]"');
      items.push(this.value());
      this.skipSpace();
      const next = this.text[this.at];
      if (next === ',') {
        this.at += 1;
        continue;
      }
      if (next === ']') {
        this.at += 1;
        return { ...start, kind: 'array', items };
      }
      this.fail(next === undefined ? 'unexpected end of file: "]" was expected' : 'expected "," or "]" after an array item');
    }
  }

  private string(): string {
    const text = this.text;
    this.at += 1; // opening quote
    let out = '';
    let chunkStart = this.at;
    for (;;) {
      if (this.at >= text.length) this.fail('unterminated string');
      const c = text.charCodeAt(this.at);
      if (c === 0x22) {
        out += text.slice(chunkStart, this.at);
        this.at += 1;
        return out;
      }
      if (c < 0x20) this.fail('control character in a string (write it as an escape such as \\n)');
      if (c !== 0x5c) {
        this.at += 1;
        continue;
      }
      out += text.slice(chunkStart, this.at);
      const escape = text[this.at + 1];
      if (escape === 'u') {
        const hex = text.slice(this.at + 2, this.at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('\\u must be followed by four hex digits');
        out += String.fromCharCode(parseInt(hex, 16));
        this.at += 6;
      } else if (escape !== undefined && ESCAPES[escape] !== undefined) {
        out += ESCAPES[escape];
        this.at += 2;
      } else {
        this.fail(`invalid escape "\\${escape ?? ''}" in a string`);
      }
      chunkStart = this.at;
    }
  }

  private number(): number {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (match === null) this.fail('invalid number');
    this.at += match[0].length;
    const after = this.text[this.at];
    if (after !== undefined && /[0-9A-Za-z_.+-]/.test(after)) this.fail('invalid number');
    return Number(match[0]);
  }
}
