import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/base/glob.js';
import type { NamespaceOptions } from '../../src/core/namespaces/namespace-key.js';
import { namespaceSegments } from '../../src/core/namespaces/namespace-key.js';
import { namespaceMatcher } from '../../src/core/namespaces/namespace-match.js';

const COLLAPSE: NamespaceOptions = { delimiter: ':', depth: 5, collapse: true };
const RAW: NamespaceOptions = { delimiter: ':', depth: 5, collapse: false };

const KEYS = [
  'app:v2:user:123:profile',
  'app:v2:user:456:profile',
  'app:v2:user:456:settings',
  'app:v2:user:789',
  'app:v2:user:abc:profile',
  'app:v2:user:1:2:profile',
  'app:v2:userx:1',
  'app:v2:user',
  'app:v3:user:1:profile',
  'sess:3f2c9a1e-7b4d-4c2a-9e1f-0a1b2c3d4e5f',
  'a:b:c:d:e:f:g',
  'a:b:c:d:e',
  'a:b:c:d:x:f',
  'lit*eral:[x]:1',
  'lit*eral:[x]:2',
  'litXeral:[x]:3',
  'plain',
].map((key) => Buffer.from(key));
KEYS.push(Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xff, 0x00, 0x3a, 0x31]), Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xfe, 0x3a, 0x31]));

/** Every namespace (and prefix of one) that the keys produce under `options`. */
function namespacesOf(options: NamespaceOptions): string[] {
  const names = new Set<string>();
  for (const key of KEYS) {
    const segments = namespaceSegments(key, options);
    for (let depth = 1; depth <= segments.length; depth += 1) names.add(segments.slice(0, depth).join(options.delimiter));
  }
  return [...names];
}

describe('namespaceMatcher', () => {
  for (const [label, options] of [['collapsed', COLLAPSE], ['raw', RAW]] as const) {
    it(`(${label}) its glob lets through every key of the namespace, and contains() picks exactly them`, () => {
      for (const name of namespacesOf(options)) {
        const matcher = namespaceMatcher(name, options);
        for (const key of KEYS) {
          const path = namespaceSegments(key, options);
          const depth = name.split(':').length;
          const member = path.length >= depth && path.slice(0, depth).join(':') === name;
          expect(matcher.contains(key), `${name} ∋ ${key.toString('latin1')}`).toBe(member);
          if (member) expect(globMatch(matcher.glob, key), `${matcher.glob.toString('latin1')} ~ ${key.toString('latin1')}`).toBe(true);
          expect(matcher.isOwn(key)).toBe(path.join(':') === name);
        }
      }
    });
  }

  it('turns placeholders into * and escapes glob characters in literal segments', () => {
    expect(namespaceMatcher('app:v2:user:‹id›:profile', COLLAPSE).glob.toString()).toBe('app:v2:user:*:profile*');
    expect(namespaceMatcher('lit*eral:[x]', COLLAPSE).glob.toString()).toBe('lit\\*eral:\\[x\\]*');
    expect(namespaceMatcher('stats:‹date›', COLLAPSE).glob.toString()).toBe('stats:*');
    // An escaped star followed by the trailing wildcard keeps both.
    expect(namespaceMatcher('a*', COLLAPSE).glob.toString()).toBe('a\\**');
  });

  it('does not let a literal glob character widen the namespace', () => {
    const matcher = namespaceMatcher('lit*eral', COLLAPSE);
    expect(matcher.contains(Buffer.from('litXeral:[x]:3'))).toBe(false);
    expect(globMatch(matcher.glob, Buffer.from('litXeral:[x]:3'))).toBe(false);
    expect(matcher.contains(Buffer.from('lit*eral:[x]:1'))).toBe(true);
  });

  it('keeps a namespace cut at --depth together with its longer keys', () => {
    const matcher = namespaceMatcher('a:b:c:d:e', COLLAPSE);
    expect(matcher.isOwn(Buffer.from('a:b:c:d:e:f:g'))).toBe(true);
    expect(matcher.isOwn(Buffer.from('a:b:c:d:e'))).toBe(true);
    expect(matcher.contains(Buffer.from('a:b:c:d:x:f'))).toBe(false);
  });

  it('restricts membership to the pattern the tree was scanned with', () => {
    const matcher = namespaceMatcher('app:v2:user:‹id›', COLLAPSE, Buffer.from('*:profile'));
    expect(matcher.contains(Buffer.from('app:v2:user:456:profile'))).toBe(true);
    expect(matcher.contains(Buffer.from('app:v2:user:456:settings'))).toBe(false);
  });

  it('refuses the overflow bucket, which has no pattern', () => {
    expect(() => namespaceMatcher('{other}', COLLAPSE)).toThrow(/no pattern/);
  });
});
