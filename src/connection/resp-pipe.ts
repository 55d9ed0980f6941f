// A minimal RESP2 client on a socket of its own to one node, for bulk per-key reads (SCAN and
// TYPE / PTTL / MEMORY USAGE per key): a batch of commands goes out as one write and its replies
// come back as one flat list. ioredis costs far more client CPU per command than the server
// spends on it, which made pipelined per-key reads slower than doing them inside a Lua script;
// this keeps the client's cost per command to an encode and a parse.
//
// It never reconnects: a lost socket fails everything in flight and every later send, so a SCAN
// cursor is never continued on another connection (the scan engine restarts that shard instead).

import net from 'node:net';
import tls from 'node:tls';
import type { NodeClientSpec } from './topology.js';
import { tlsConnectOptions } from './node-client.js';

export type RespArg = string | Buffer;
/** A reply: integer → number, bulk → Buffer (null when nil), status → string, error → RespError, multi-bulk → array. */
export type RespValue = number | string | Buffer | null | RespError | RespValue[];

/** A server error reply. Named like ioredis's, so translateError and the retry rules treat both alike. */
export class RespError extends Error {
  override name = 'ReplyError';
}

interface Waiting {
  count: number;
  replies: RespValue[];
  resolve: (replies: RespValue[]) => void;
  reject: (error: Error) => void;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * An incremental RESP2 reader: feed it chunks as they arrive, it calls `onValue` per complete
 * top-level reply. Bulk strings that arrive whole are views into the chunk (no copy); one split
 * across chunks is copied once into a buffer of its final size; only an unfinished header line
 * (a few bytes) is carried over.
 */
export class RespReader {
  private partialLine: Buffer | undefined;
  private bulk: Buffer | undefined;
  private bulkFilled = 0;
  private readonly stack: { items: RespValue[]; left: number }[] = [];

  constructor(private readonly onValue: (value: RespValue) => void) {}

  feed(chunk: Buffer): void {
    let at = 0;
    const end = chunk.length;
    if (this.bulk !== undefined) {
      const take = Math.min(this.bulk.length - this.bulkFilled, end);
      chunk.copy(this.bulk, this.bulkFilled, 0, take);
      this.bulkFilled += take;
      at = take;
      if (this.bulkFilled < this.bulk.length) return;
      const value = this.bulk.subarray(0, this.bulk.length - 2);
      this.bulk = undefined;
      this.push(value);
    }
    if (this.partialLine !== undefined) {
      const lf = chunk.indexOf(LF, at);
      if (lf < 0) {
        this.partialLine = Buffer.concat([this.partialLine, chunk.subarray(at)]);
        return;
      }
      const line = Buffer.concat([this.partialLine, chunk.subarray(at, lf + 1)]);
      this.partialLine = undefined;
      at = this.header(line, 0, line.length - 1, chunk, lf + 1);
    }
    while (at < end) {
      // Header lines are short: a loop in JS is cheaper than a native indexOf call per reply.
      let lf = at + 1;
      while (lf < end && chunk[lf] !== LF) lf += 1;
      if (lf >= end) {
        // A copy, so a kept remainder does not pin the whole chunk.
        this.partialLine = Buffer.from(chunk.subarray(at));
        return;
      }
      at = this.header(chunk, at, lf, chunk, lf + 1);
    }
  }

  /** Parses the header line line[start..lf]; what follows it is chunk[next..]. Returns where to go on in chunk. */
  private header(line: Buffer, start: number, lf: number, chunk: Buffer, next: number): number {
    const kind = line[start];
    const contentEnd = line[lf - 1] === CR ? lf - 1 : lf;
    switch (kind) {
      case 0x3a: // ':'
        this.push(readInteger(line, start + 1, contentEnd));
        return next;
      case 0x2b: // '+'
        this.push(line.toString('latin1', start + 1, contentEnd));
        return next;
      case 0x2d: // '-'
        this.push(new RespError(line.toString('utf8', start + 1, contentEnd)));
        return next;
      case 0x24: {
        // '$'
        const length = readInteger(line, start + 1, contentEnd);
        if (length < 0) {
          this.push(null);
          return next;
        }
        if (next + length + 2 <= chunk.length) {
          this.push(chunk.subarray(next, next + length));
          return next + length + 2;
        }
        // Split across chunks: one buffer of the final size (and its CRLF), filled as chunks come.
        this.bulk = Buffer.allocUnsafe(length + 2);
        this.bulkFilled = chunk.copy(this.bulk, 0, next);
        return chunk.length;
      }
      case 0x2a: {
        // '*'
        const count = readInteger(line, start + 1, contentEnd);
        if (count < 0) this.push(null);
        else if (count === 0) this.push([]);
        else this.stack.push({ items: [], left: count });
        return next;
      }
      default:
        throw new Error(`Protocol error: unexpected reply type byte 0x${(kind ?? 0).toString(16)}`);
    }
  }

  private push(value: RespValue): void {
    let current = value;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        this.onValue(current);
        return;
      }
      top.items.push(current);
      top.left -= 1;
      if (top.left > 0) return;
      this.stack.pop();
      current = top.items;
    }
  }
}

function readInteger(bytes: Buffer, from: number, to: number): number {
  let at = from;
  const negative = bytes[at] === 0x2d;
  if (negative) at += 1;
  let value = 0;
  for (; at < to; at += 1) {
    const digit = bytes[at]! - 0x30;
    if (digit < 0 || digit > 9) throw new Error(`Protocol error: bad integer "${bytes.toString('latin1', from, to)}"`);
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * Encodes commands as RESP multi-bulk requests into ONE buffer, sized exactly in a first pass:
 * no buffer per argument and no concatenation. Digits and short bytes are written by hand: a
 * native call per tiny piece cost more than the bytes themselves. (Per-key reads, the commands
 * sent by the thousand, go through encodeKeyCommands; this carries a batch's SCAN and set-up.)
 */
export function encodeCommands(commands: readonly (readonly RespArg[])[]): Buffer {
  let size = 0;
  for (const args of commands) {
    size += 3 + digits(args.length);
    for (const arg of args) {
      const length = typeof arg === 'string' ? Buffer.byteLength(arg) : arg.length;
      size += 5 + digits(length) + length;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const args of commands) {
    out[at++] = 0x2a;
    at = writeDigits(out, at, args.length);
    out[at++] = CR;
    out[at++] = LF;
    for (const arg of args) {
      if (typeof arg !== 'string') {
        at = writeBulk(out, at, arg);
        continue;
      }
      out[at++] = 0x24;
      at = writeDigits(out, at, Buffer.byteLength(arg));
      out[at++] = CR;
      out[at++] = LF;
      at += out.write(arg, at);
      out[at++] = CR;
      out[at++] = LF;
    }
  }
  return out;
}

/**
 * One command around one key, encoded once: `head` is the multi-bulk header with the words before
 * the key, `tail` the words after it (see KeyCommand in core/scan/scan-batch.ts, which builds them).
 */
export interface EncodedKeyCommand {
  readonly head: Buffer;
  readonly tail: Buffer;
}

/** Encodes commands[i] around keys[i] for every i, into one buffer sized exactly (see encodeCommands). */
export function encodeKeyCommands(commands: readonly EncodedKeyCommand[], keys: readonly Buffer[]): Buffer {
  let size = 0;
  for (let i = 0; i < commands.length; i += 1) {
    const command = commands[i]!;
    const length = keys[i]!.length;
    size += command.head.length + command.tail.length + 5 + digits(length) + length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < commands.length; i += 1) {
    const command = commands[i]!;
    const key = keys[i]!;
    at = copyBytes(command.head, out, at);
    at = writeBulk(out, at, key);
    at = copyBytes(command.tail, out, at);
  }
  return out;
}

/** `$len\r\nbytes\r\n` at `at`; returns where it ends. */
function writeBulk(out: Buffer, at: number, bytes: Buffer): number {
  out[at++] = 0x24;
  at = writeDigits(out, at, bytes.length);
  out[at++] = CR;
  out[at++] = LF;
  at = copyBytes(bytes, out, at);
  out[at++] = CR;
  out[at++] = LF;
  return at;
}

function copyBytes(from: Buffer, to: Buffer, at: number): number {
  if (from.length > 64) return at + from.copy(to, at);
  for (let i = 0; i < from.length; i += 1) to[at + i] = from[i]!;
  return at + from.length;
}

function writeDigits(out: Buffer, at: number, value: number): number {
  const end = at + digits(value);
  let n = value;
  for (let i = end - 1; i >= at; i -= 1) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

/** PING as RESP, built once: a latency probe's PING encodes nothing per call. */
const PING_REQUEST = encodeCommands([['PING']]);
const PING_COMMAND: readonly RespArg[] = ['PING'];

/** What RespPipe.open() may be told besides the node's settings. */
export interface RespPipeHooks {
  /**
   * Called with every command `send` and `ping` write, the handshake's included (e.g. to count a
   * connection's own commands); not for `sendKeyCommands`, the scan's per-key reads.
   */
  onCommand?: (args: readonly RespArg[]) => void;
}

function digits(value: number): number {
  let count = 1;
  for (let n = value; n >= 10; n = Math.floor(n / 10)) count += 1;
  return count;
}

/** One RESP2 connection to one node (see the module comment). */
export class RespPipe {
  private readonly waiting: Waiting[] = [];
  private readonly reader: RespReader;
  private failure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
    private readonly onCommand: RespPipeHooks['onCommand'],
  ) {
    this.reader = new RespReader((value) => this.deliver(value));
    socket.on('data', (chunk: Buffer) => {
      if (this.waiting.length > 0) this.arm();
      try {
        this.reader.feed(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET' })));
  }

  /**
   * Connects with the node's own settings (TLS, AUTH with the ACL user, CLIENT SETNAME, SELECT),
   * the whole attempt bounded by the node's timeout.
   */
  static async open(spec: NodeClientSpec, hooks: RespPipeHooks = {}): Promise<RespPipe> {
    const { endpoint, options, credentials, db } = spec;
    const socket =
      options.tls === undefined
        ? net.connect({ host: endpoint.host, port: endpoint.port })
        : tls.connect({ host: endpoint.host, port: endpoint.port, ...tlsConnectOptions(options.tls, endpoint) });
    socket.setNoDelay(true);
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT', syscall: 'connect' })), options.timeoutMs);
        socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => resolve());
        socket.once('error', reject);
      });
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    const pipe = new RespPipe(socket, options.timeoutMs, hooks.onCommand);
    try {
      const handshake: RespArg[][] = [];
      if (credentials.password !== undefined) handshake.push(credentials.username === undefined ? ['AUTH', credentials.password] : ['AUTH', credentials.username, credentials.password]);
      if (db !== 0) handshake.push(['SELECT', String(db)]);
      const replies = await pipe.send(handshake.length > 0 ? handshake : [['PING']]);
      const refused = replies.find((reply) => reply instanceof RespError);
      if (refused !== undefined) throw refused;
      // Visible in CLIENT LIST like the main connection; a refusal (ACL) costs nothing here.
      if (options.clientName !== '') void pipe.send([['CLIENT', 'SETNAME', options.clientName]]).catch(() => {});
    } catch (error) {
      pipe.close();
      throw error;
    }
    return pipe;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Writes the commands in one write; resolves with one reply per command (a RespError for a refused one). */
  send(commands: readonly (readonly RespArg[])[]): Promise<RespValue[]> {
    if (this.onCommand !== undefined && this.failure === undefined) for (const args of commands) this.onCommand(args);
    return this.write(commands.length, () => encodeCommands(commands));
  }

  /** As send, for commands[i] around keys[i] (see EncodedKeyCommand). */
  sendKeyCommands(commands: readonly EncodedKeyCommand[], keys: readonly Buffer[]): Promise<RespValue[]> {
    return this.write(commands.length, () => encodeKeyCommands(commands, keys));
  }

  private write(count: number, encode: () => Buffer): Promise<RespValue[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (count === 0) return Promise.resolve([]);
    return new Promise<RespValue[]>((resolve, reject) => {
      if (this.waiting.length === 0) this.arm();
      this.waiting.push({ count, replies: [], resolve, reject });
      this.socket.write(encode());
    });
  }

  /** One PING from prebuilt bytes; resolves with its reply (a RespError for a refusal such as LOADING). */
  ping(): Promise<RespValue> {
    if (this.failure === undefined) this.onCommand?.(PING_COMMAND);
    return this.write(1, () => PING_REQUEST).then((replies) => replies[0]!);
  }

  /** Drops the socket; whatever is in flight fails. */
  close(): void {
    this.fail(new Error('Connection is closed.'));
  }

  private deliver(value: RespValue): void {
    const head = this.waiting[0];
    if (head === undefined) return; // a reply nobody waits for (the fire-and-forget SETNAME after a close)
    head.replies.push(value);
    if (head.replies.length < head.count) return;
    this.waiting.shift();
    if (this.waiting.length === 0) this.disarm();
    head.resolve(head.replies);
  }

  /** (Re)starts the reply timeout: a server that stops answering fails the pipe like a lost socket. */
  private arm(): void {
    this.disarm();
    this.timer = setTimeout(() => this.fail(Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' })), this.timeoutMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fail(error: Error): void {
    if (this.failure === undefined) this.failure = error;
    this.disarm();
    this.socket.destroy();
    for (const waiting of this.waiting.splice(0)) waiting.reject(this.failure);
  }
}
