// A MONITOR connection read line by line. ioredis's own monitor mode loses the race between
// MONITOR's "+OK" and the first command lines when they arrive in one packet (it then throws
// "Command queue state error"), and splits arguments imprecisely; so the connection is opened and
// authenticated by ioredis as usual, then its socket is read here directly.

import type { Redis } from 'ioredis';

const CRLF = Buffer.from('\r\n');

export interface MonitorStream {
  /** Closes the connection; no more lines are delivered. */
  close(): void;
}

/**
 * Turns `client` (ready, not shared with anything else) into a MONITOR stream: `onLine` gets the
 * text of every command line, `onEnd` is called once if the connection closes or the server
 * replies with an error.
 */
export async function openMonitor(client: Redis, onLine: (line: string) => void, onEnd: (reason: string) => void): Promise<MonitorStream> {
  if (client.status === 'wait') await client.connect();
  const stream = (client as unknown as { stream?: NodeJS.ReadWriteStream & { on(event: 'data', fn: (chunk: Buffer) => void): void } }).stream;
  if (stream === undefined) throw new Error('the monitor connection has no socket');
  stream.removeAllListeners('data');
  let pending: Buffer = Buffer.alloc(0);
  let confirmed = false;
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    onEnd(reason);
  };
  const started = new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let start = 0;
      for (;;) {
        const at = pending.indexOf(CRLF, start);
        if (at < 0) break;
        const line = pending.toString('latin1', start, at);
        start = at + 2;
        if (line.startsWith('-')) {
          if (!confirmed) reject(new Error(line.slice(1)));
          end(line.slice(1));
          continue;
        }
        if (!confirmed) {
          confirmed = true;
          resolve();
          continue;
        }
        if (!ended && line.startsWith('+')) onLine(line.slice(1));
      }
      pending = start === pending.length ? Buffer.alloc(0) : pending.subarray(start);
    });
  });
  client.once('close', () => end('the monitor connection closed'));
  stream.write('*1\r\n$7\r\nMONITOR\r\n');
  await started;
  return {
    close() {
      ended = true;
      client.disconnect();
    },
  };
}
