// The machine the figures were taken on, printed above the table and stored in --json.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * @param {import('ioredis').Redis} redis the bench server
 * @param {string} redisCliVersion
 */
export async function describeMachine(redis, redisCliVersion) {
  const info = `${await redis.info('server')}\n${await redis.info('memory')}`;
  const field = (/** @type {string} */ name) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
  const cpus = os.cpus();
  let kernel = os.release();
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    // uname is only a nicety.
  }
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? '?',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel,
    node: process.version,
    redisServer: `${field('redis_version')} (${field('mem_allocator')})`,
    redisCli: redisCliVersion.replace(/^redis-cli\s+/, ''),
    loadAverage: os.loadavg().map((load) => Math.round(load * 100) / 100),
  };
}
