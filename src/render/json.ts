// Machine-readable output: stable, pretty JSON documents and one-object-per-line NDJSON.

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer, 2)}\n`;
}

export function renderNdjsonLine(value: unknown): string {
  return `${JSON.stringify(value, jsonReplacer)}\n`;
}

/** BigInts (large counters) become numbers when safe, strings otherwise; Buffers never leak as {type,data}. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/**
 * A JSON array written one element at a time (one compact element per line), for outputs that
 * stream: memory stays flat however many elements there are, and `close()` always yields valid JSON,
 * even after an interruption or with no element at all.
 */
export class JsonArrayWriter {
  private count = 0;

  /** Returns the text that opens the array. */
  open(): string {
    return '[';
  }

  /** Returns the text for one more element. */
  element(value: unknown): string {
    this.count += 1;
    return `${this.count === 1 ? '\n' : ',\n'}  ${JSON.stringify(value, jsonReplacer)}`;
  }

  /** Returns the text that closes the array. */
  close(): string {
    return this.count === 0 ? ']\n' : '\n]\n';
  }
}
