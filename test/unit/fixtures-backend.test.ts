// Backend selection for the Redis test fixtures (CACHECTL_TEST_REDIS).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertLocalBackend, probeEnvironment, selectBackend } from '../fixtures/backend.js';

const both = { hasRedisServer: true, hasDocker: true };
const onlyRedis = { hasRedisServer: true, hasDocker: false };
const onlyDocker = { hasRedisServer: false, hasDocker: true };
const neither = { hasRedisServer: false, hasDocker: false };

describe('selectBackend', () => {
  it.each([undefined, '', 'auto', ' AUTO '])('auto (%j) prefers redis-server', (requested) => {
    expect(selectBackend(requested, both)).toEqual({ backend: 'local' });
    expect(selectBackend(requested, onlyRedis)).toEqual({ backend: 'local' });
  });

  it('auto falls back to docker without redis-server', () => {
    expect(selectBackend('auto', onlyDocker)).toEqual({ backend: 'docker' });
    expect(selectBackend(undefined, onlyDocker)).toEqual({ backend: 'docker' });
  });

  it('auto with nothing available says how to get either', () => {
    expect(() => selectBackend('auto', neither)).toThrow(/apt-get install redis-server.*Docker engine/s);
    expect(() => selectBackend(undefined, neither)).toThrow(/No Redis for the integration tests/);
  });

  it('local uses redis-server, even when docker is there too', () => {
    expect(selectBackend('local', both)).toEqual({ backend: 'local' });
    expect(selectBackend('local', onlyRedis)).toEqual({ backend: 'local' });
  });

  it('local without redis-server explains how to install it', () => {
    expect(() => selectBackend('local', onlyDocker)).toThrow(/CACHECTL_TEST_REDIS=local.*apt-get install redis-server/);
    expect(() => selectBackend('local', neither)).toThrow(/redis-server is not on PATH/);
  });

  it('docker uses docker, even when redis-server is there too', () => {
    expect(selectBackend('docker', both)).toEqual({ backend: 'docker' });
    expect(selectBackend('docker', onlyDocker)).toEqual({ backend: 'docker' });
  });

  it('docker without an engine explains how to get one', () => {
    expect(() => selectBackend('docker', onlyRedis)).toThrow(/CACHECTL_TEST_REDIS=docker.*Docker engine/);
    expect(() => selectBackend('docker', neither)).toThrow(/no Docker engine was found/);
  });

  it.each(['podman', 'yes', 'locale'])('rejects the invalid value %j', (requested) => {
    expect(() => selectBackend(requested, both)).toThrow(/is not valid; use auto \(the default\), local or docker/);
  });
});

describe('probeEnvironment', () => {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'cachectl-probe-'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('finds an executable redis-server on PATH', () => {
    const fake = path.join(bin, 'redis-server');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(probeEnvironment({ PATH: `/nonexistent${path.delimiter}${bin}` }).hasRedisServer).toBe(true);
    expect(probeEnvironment({ PATH: '/nonexistent' }).hasRedisServer).toBe(false);
    expect(probeEnvironment({}).hasRedisServer).toBe(false);
  });

  it('ignores a redis-server that is not executable', () => {
    const dir = mkdtempSync(path.join(bin, 'noexec-'));
    writeFileSync(path.join(dir, 'redis-server'), '');
    chmodSync(path.join(dir, 'redis-server'), 0o644);
    expect(probeEnvironment({ PATH: dir }).hasRedisServer).toBe(false);
  });

  it('treats DOCKER_HOST as a Docker engine', () => {
    expect(probeEnvironment({ PATH: '', DOCKER_HOST: 'tcp://127.0.0.1:2375' }).hasDocker).toBe(true);
  });
});

describe('assertLocalBackend', () => {
  it('explains that the topology needs redis-server when docker was chosen', () => {
    const env = { CACHECTL_TEST_REDIS: 'docker', DOCKER_HOST: 'tcp://127.0.0.1:2375', PATH: '' };
    expect(() => assertLocalBackend('The Redis Cluster fixture', env)).toThrow(
      /The Redis Cluster fixture needs the local backend.*only provides the single-node fixture/,
    );
  });
});
