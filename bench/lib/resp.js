// Raw RESP pipelining for seeding: commands are encoded straight into large latin1 batches and
// written to one socket, with a bounded number of replies outstanding. Several times faster than
// going through a client library, which matters when a million keys are seeded before every run.
import net from 'node:net';

const LF = 0x0a;
const MINUS = 0x2d;

/**
 * Encodes one command. Arguments are latin1 strings (each char is one byte), so the byte length
 * is the string length and binary key names pass through unchanged.
 * @param {readonly (string | number)[]} args
 */
export function encodeCommand(args) {
  let out = `*${args.length}\r\n`;
  for (const arg of args) {
    const text = typeof arg === 'number' ? String(arg) : arg;
    out += `$${text.length}\r\n${text}\r\n`;
  }
  return out;
}

/**
 * A write-only pipeline for commands whose replies are single lines (+OK, :n, -ERR):
 * SET, HSET, RPUSH, SADD, ZADD, EXPIRE, UNLINK... Replies are counted, not parsed.
 */
export class RespPipeline {
  /**
   * @param {net.Socket} socket
   * @param {{ batchBytes?: number, maxInFlight?: number }} [options]
   */
  constructor(socket, { batchBytes = 8 * 1024 * 1024, maxInFlight = 100_000 } = {}) {
    this.socket = socket;
    this.batchBytes = batchBytes;
    this.maxInFlight = maxInFlight;
    // Commands are written straight into a preallocated buffer: concatenating one huge string
    // per batch spent more time in the garbage collector than in generating the data.
    this.buffer = Buffer.allocUnsafe(batchBytes);
    this.offset = 0;
    this.batchCount = 0;
    this.sent = 0;
    this.received = 0;
    this.errors = 0;
    /** @type {string | undefined} */
    this.firstError = undefined;
    this.atLineStart = true;
    this.errorLine = /** @type {string | undefined} */ (undefined);
    /** @type {{ ready: () => boolean, resolve: () => void } | undefined} */
    this.waiter = undefined;
    /** @type {Error | undefined} */
    this.failure = undefined;
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      if (this.received < this.sent) this.fail(new Error('connection closed with replies outstanding'));
    });
  }

  /** @param {string} host @param {number} port */
  static connect(host, port, /** @type {ConstructorParameters<typeof RespPipeline>[1]} */ options) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new RespPipeline(socket, options));
      });
      socket.once('error', reject);
    });
  }

  /** @param {Error} error */
  fail(error) {
    this.failure ??= error;
    this.settleWaiter(true);
  }

  /** @param {boolean} [force] */
  settleWaiter(force = false) {
    const waiter = this.waiter;
    if (waiter !== undefined && (force || waiter.ready())) {
      this.waiter = undefined;
      waiter.resolve();
    }
  }

  /** Resolves once `ready()` holds (checked on every reply chunk) or the connection failed. */
  waitUntil(/** @type {() => boolean} */ ready) {
    if (ready() || this.failure !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = { ready, resolve: () => resolve(undefined) };
    });
  }

  /** @param {Buffer} chunk */
  onData(chunk) {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.atLineStart && chunk[pos] === MINUS) {
        this.errors++;
        this.errorLine = '';
      }
      const end = chunk.indexOf(LF, pos);
      if (this.errorLine !== undefined) this.errorLine += chunk.toString('latin1', pos, end === -1 ? chunk.length : end);
      if (end === -1) {
        this.atLineStart = false;
        break;
      }
      this.received++;
      this.atLineStart = true;
      if (this.errorLine !== undefined) {
        this.firstError ??= this.errorLine.trim();
        this.errorLine = undefined;
      }
      pos = end + 1;
    }
    this.settleWaiter();
  }

  /**
   * Queues one command. Returns a promise only when the batch was sent and the caller should
   * wait (socket backpressure or too many replies outstanding); `await` it either way.
   * @param {readonly (string | number)[]} args
   * @returns {Promise<void> | undefined}
   */
  send(args) {
    const command = encodeCommand(args);
    let pending;
    if (this.offset + command.length > this.buffer.length) {
      pending = this.flush();
      if (command.length > this.buffer.length) this.buffer = Buffer.allocUnsafe(command.length);
    }
    this.offset += this.buffer.write(command, this.offset, 'latin1');
    this.batchCount++;
    return pending;
  }

  /** Sends the current batch; resolves when it is safe to queue more. */
  async flush() {
    if (this.failure !== undefined) throw this.failure;
    let drained = true;
    if (this.batchCount > 0) {
      this.sent += this.batchCount;
      drained = this.socket.write(this.buffer.subarray(0, this.offset));
      // The socket owns the written bytes until they are sent: start a fresh buffer.
      this.buffer = Buffer.allocUnsafe(this.batchBytes);
      this.offset = 0;
      this.batchCount = 0;
    }
    if (!drained) await new Promise((resolve) => this.socket.once('drain', resolve));
    if (this.sent - this.received > this.maxInFlight) {
      await this.waitUntil(() => this.sent - this.received <= this.maxInFlight / 2);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Sends what is queued, waits for every reply, closes the socket; throws if any reply was an error. */
  async close() {
    await this.flush();
    await this.waitUntil(() => this.received >= this.sent);
    this.socket.end();
    if (this.failure !== undefined) throw this.failure;
    if (this.errors > 0) throw new Error(`${this.errors} of ${this.sent} seeding commands failed, first: ${this.firstError}`);
    return { commands: this.sent };
  }
}
