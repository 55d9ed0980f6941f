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
