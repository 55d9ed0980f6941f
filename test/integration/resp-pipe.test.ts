// The lean RESP pipe against real servers: replies per command (errors stay per command), big
// bulk replies that arrive in many chunks, the connection settings of the node's own client (AUTH
// with an ACL user, TLS, SELECT), and a socket lost mid-batch failing that batch and every later one.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RespValue } from '../../src/connection/resp-pipe.js';
import { RespError, RespPipe } from '../../src/connection/resp-pipe.js';
import type { NodeClientSpec } from '../../src/connection/topology.js';
import { translateError } from '../../src/connection/node-client.js';
import type { TlsOptions } from '../../src/connection/options.js';
import { adminClient } from '../fixtures/index.js';

const redis = inject('redis');

function spec(port: number, extra: { username?: string; password?: string; db?: number; tls?: TlsOptions } = {}): NodeClientSpec {
  const credentials = { ...(extra.username === undefined ? {} : { username: extra.username }), ...(extra.password === undefined ? {} : { password: extra.password }) };
  return {
    endpoint: { host: '127.0.0.1', port },
    options: { timeoutMs: 3_000, clientName: 'cachectl-test', ...(extra.tls === undefined ? {} : { tls: extra.tls }) },
    credentials,
    db: extra.db ?? 0,
    context: { tls: extra.tls !== undefined, timeoutMs: 3_000 },
  };
}

describe('RespPipe', () => {
  const prefix = `respipe${randomBytes(4).toString('hex')}:`;
  let admin: Redis;
  let pipe: RespPipe;

  beforeAll(async () => {
    admin = adminClient(redis.single.port);
    pipe = await RespPipe.open(spec(redis.single.port));
  });
  afterAll(async () => {
    pipe.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('answers each command of a batch in order, a refused one with an error of its own', async () => {
    const key = Buffer.concat([Buffer.from(prefix), Buffer.from([0x00, 0xff, 0x0d, 0x0a])]);
    const replies = await pipe.send([
      ['SET', key, 'v'],
      ['LPUSH', key, 'x'],
      ['TYPE', key],
      ['GET', key],
      ['PTTL', key],
      ['GET', `${prefix}missing`],
      ['SCAN', '0', 'MATCH', Buffer.concat([Buffer.from(prefix), Buffer.from('*')]), 'COUNT', '1000'],
    ]);
    expect(replies[0]).toBe('OK');
    expect(replies[1]).toBeInstanceOf(RespError);
    expect((replies[1] as RespError).message).toMatch(/^WRONGTYPE/);
    expect(replies[2]).toBe('string');
    expect((replies[3] as Buffer).toString()).toBe('v');
    expect(replies[4]).toBe(-1);
    expect(replies[5]).toBeNull();
    const [, keys] = replies[6] as [Buffer, Buffer[]];
    expect(keys.map((k) => k.toString('hex'))).toContain(key.toString('hex'));
  });

  it('reads bulk replies far larger than one socket read, and many replies at once', async () => {
    const big = randomBytes(3_000_000);
    await admin.set(`${prefix}big`, big);
    const commands = [['GET', `${prefix}big`], ...Array.from({ length: 20_000 }, (_, i) => ['ECHO', `${i}`]), ['GET', `${prefix}big`]];
    const replies = await pipe.send(commands);
    expect(replies).toHaveLength(commands.length);
    expect((replies[0] as Buffer).equals(big)).toBe(true);
    expect((replies[20_001] as Buffer).equals(big)).toBe(true);
    expect(replies.slice(1, 20_001).map((reply) => (reply as Buffer).toString())).toEqual(Array.from({ length: 20_000 }, (_, i) => `${i}`));
  });

  it('keeps batches sent back to back apart', async () => {
    const batches = await Promise.all(Array.from({ length: 50 }, (_, n) => pipe.send(Array.from({ length: n + 1 }, (_, i) => ['ECHO', `${n}:${i}`]))));
    batches.forEach((replies, n) => expect(replies.map(String)).toEqual(Array.from({ length: n + 1 }, (_, i) => `${n}:${i}`)));
  });

  it('fails the batch in flight and every later one when the connection is killed mid-batch', async () => {
    const victim = await RespPipe.open(spec(redis.single.port));
    const [id] = (await victim.send([['CLIENT', 'ID']])) as [number];
    // The batch is blocked inside BLPOP when its connection is killed: its PING was answered, the rest never is.
    // The outcome is taken at once: the kill below rejects the batch while the test still awaits it.
    const outcome = victim.send([['PING'], ['BLPOP', `${prefix}never`, '5'], ['PING']]).then(() => undefined, (failure: unknown) => failure);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await admin.call('CLIENT', 'KILL', 'ID', String(id));
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    const translated = translateError(error, { host: '127.0.0.1', port: redis.single.port }, { tls: false, timeoutMs: 3_000 });
    expect(translated.code).toBe('CONNECT');
    expect(victim.closed).toBe(true);
    await expect(victim.send([['PING']])).rejects.toThrow(/Connection is closed/);
  });

  it('fails a batch the server does not answer within the timeout', async () => {
    const slow = await RespPipe.open({ ...spec(redis.single.port), options: { timeoutMs: 200, clientName: 'cachectl-test' } });
    const started = Date.now();
    await expect(slow.send([['BLPOP', `${prefix}never`, '2']])).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(slow.closed).toBe(true);
  });

  it('selects the database of the node client', async () => {
    await admin.select(3);
    await admin.set(`${prefix}db3`, 'three');
    await admin.select(0);
    const inDb3 = await RespPipe.open(spec(redis.single.port, { db: 3 }));
    try {
      const [value] = (await inDb3.send([['GET', `${prefix}db3`]])) as [Buffer];
      expect(value.toString()).toBe('three');
    } finally {
      inDb3.close();
      await admin.select(3);
      await admin.del(`${prefix}db3`);
      await admin.select(0);
    }
  });
});

describe('RespPipe connection settings', () => {
  it('authenticates as an ACL user, and a wrong password is an AUTH error', async () => {
    const { port, users } = redis.acl;
    const pipe = await RespPipe.open(spec(port, users.limited));
    try {
      const [whoami] = (await pipe.send([['ACL', 'WHOAMI']])) as RespValue[];
      expect(String(whoami)).toBe(users.limited.username);
    } finally {
      pipe.close();
    }
    const error = await RespPipe.open(spec(port, { username: users.limited.username, password: 'wrong' })).then(() => undefined, (failure: unknown) => failure);
    expect(translateError(error, { host: '127.0.0.1', port }, { tls: false, timeoutMs: 3_000 }).code).toBe('AUTH');
  });

  it('speaks TLS with the CA, client certificate and server name of the node client', async () => {
    const { port, caFile, certFile, keyFile, serverName, otherCaFile } = redis.tls;
    const pipe = await RespPipe.open(spec(port, { tls: { caFile, certFile, keyFile, serverName } }));
    try {
      expect(await pipe.send([['PING']])).toEqual(['PONG']);
    } finally {
      pipe.close();
    }
    const error = await RespPipe.open(spec(port, { tls: { caFile: otherCaFile } })).then(() => undefined, (failure: unknown) => failure);
    expect(translateError(error, { host: '127.0.0.1', port }, { tls: true, timeoutMs: 3_000 }).code).toBe('TLS');
  });
});
