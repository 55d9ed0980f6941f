import { describe, expect, it } from 'vitest';
import { isIdLike, namespaceName, namespaceSegments, type NamespaceOptions } from '../../src/core/namespaces/namespace-key.js';

const COLLAPSE: NamespaceOptions = { delimiter: ':', depth: Infinity, collapse: true };
const RAW: NamespaceOptions = { delimiter: ':', depth: Infinity, collapse: false };
const segs = (key: string | Buffer, opts: NamespaceOptions = COLLAPSE): string[] =>
  namespaceSegments(typeof key === 'string' ? Buffer.from(key) : key, opts);

describe('namespaceSegments', () => {
  it('collapses numeric IDs and keeps words, including v2', () => {
    expect(segs('app:v2:user:123:profile')).toEqual(['app', 'v2', 'user', '‹id›', 'profile']);
    expect(segs('app:v2:user:456:profile')).toEqual(['app', 'v2', 'user', '‹id›', 'profile']);
  });

  it('collapses UUIDs, hashes, ObjectIds, ULIDs and tokens', () => {
    expect(segs('sess:3f2c9a1e-7b4d-4c2a-9e1f-0a1b2c3d4e5f')).toEqual(['sess', '‹id›']);
    expect(segs('sess:3F2C9A1E-7B4D-4C2A-9E1F-0A1B2C3D4E5F')).toEqual(['sess', '‹id›']);
    expect(segs('sess:3f2c9a1e7b4d4c2a9e1f0a1b2c3d4e5f')).toEqual(['sess', '‹id›']);
    expect(segs('doc:507f1f77bcf86cd799439011:meta')).toEqual(['doc', '‹id›', 'meta']);
    expect(segs('cache:da39a3ee5e6b4b0d3255bfef95601890afd80709')).toEqual(['cache', '‹id›']);
    expect(segs('evt:01ARZ3NDEKTSV4RRFFQ69G5FAV')).toEqual(['evt', '‹id›']);
    expect(segs('tok:aB3dE5fG7hJ9kL1mN2pQ')).toEqual(['tok', '‹token›']);
  });

  it('collapses dates to ‹date›', () => {
    expect(segs('stats:2024-11-20:pageviews')).toEqual(['stats', '‹date›', 'pageviews']);
    expect(segs('stats:2024-11-20:pageviews', RAW)).toEqual(['stats', '2024-11-20', 'pageviews']);
  });

  it('keeps at most depth segments and drops the rest', () => {
    expect(segs('a:b:c:d', { ...COLLAPSE, depth: 3 })).toEqual(['a', 'b', 'c']);
    expect(segs('a:b:c:d', { ...COLLAPSE, depth: 1 })).toEqual(['a']);
    expect(segs('a:b', { ...COLLAPSE, depth: 5 })).toEqual(['a', 'b']);
    expect(segs('user:42:x', { ...COLLAPSE, depth: 2 })).toEqual(['user', '‹id›']);
    // nonsense depths degrade to one segment rather than to nothing
    expect(segs('a:b', { ...COLLAPSE, depth: 0 })).toEqual(['a']);
    expect(segs('a:b', { ...COLLAPSE, depth: Number.NaN })).toEqual(['a']);
    expect(segs('a:b:c', { ...COLLAPSE, depth: 2.9 })).toEqual(['a', 'b']);
  });

  it('treats a key without the delimiter as one segment', () => {
    expect(segs('standalone')).toEqual(['standalone']);
    expect(segs('12345')).toEqual(['‹id›']);
    expect(segs('')).toEqual(['']);
  });

  it('keeps empty segments from leading and trailing delimiters; a run such as :: is one separator', () => {
    expect(segs(':a')).toEqual(['', 'a']);
    expect(segs('a::b')).toEqual(['a', 'b']);
    expect(namespaceName(Buffer.from('keyv::keyv:product:12'), COLLAPSE)).toBe('keyv::keyv:product:‹id›');
    expect(segs('a:')).toEqual(['a', '']);
    expect(segs('a:', { ...COLLAPSE, depth: 1 })).toEqual(['a']);
    expect(segs(':')).toEqual(['', '']);
  });

  it('leaves segments alone when collapse is off', () => {
    expect(segs('app:v2:user:123:profile', RAW)).toEqual(['app', 'v2', 'user', '123', 'profile']);
  });

  it('splits on other and multi-byte delimiters', () => {
    expect(segs('app/user/42', { ...COLLAPSE, delimiter: '/' })).toEqual(['app', 'user', '‹id›']);
    expect(segs('app::user::42::x', { ...COLLAPSE, delimiter: '::' })).toEqual(['app', 'user', '‹id›', 'x']);
    expect(segs('a::b:c', { ...COLLAPSE, delimiter: '::', depth: 2 })).toEqual(['a', 'b:c']);
    expect(segs('a→b→7', { ...COLLAPSE, delimiter: '→' })).toEqual(['a', 'b', '‹id›']);
    expect(segs('a:b', { ...COLLAPSE, delimiter: '' })).toEqual(['a:b']);
    // switching delimiters between calls must not reuse the previous one
    expect(segs('a.b:c', { ...COLLAPSE, delimiter: '.' })).toEqual(['a', 'b:c']);
    expect(segs('a.b:c', COLLAPSE)).toEqual(['a.b', 'c']);
  });

  it('marks binary segments as ‹bin›, or quotes them when not collapsing', () => {
    const key = Buffer.concat([Buffer.from('img:'), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(':thumb')]);
    expect(segs(key)).toEqual(['img', '‹bin›', 'thumb']);
    expect(segs(key, RAW)).toEqual(['img', '"\\xff\\xfe\\x00"', 'thumb']);
    expect(segs('a:line\nbreak:b')).toEqual(['a', '‹bin›', 'b']);
    expect(segs('a:line\nbreak:b', RAW)).toEqual(['a', '"line\\nbreak"', 'b']);
    // two different binary segments must not merge into one name when shown raw
    expect(segs(Buffer.from([0xff]), RAW)).not.toEqual(segs(Buffer.from([0xfe]), RAW));
  });

  it('keeps valid UTF-8 text as text', () => {
    expect(segs('café:menü:🔑')).toEqual(['café', 'menü', '🔑']);
    expect(segs('用户:42')).toEqual(['用户', '‹id›']);
  });

  it('returns the same text for repeated words (interned) without mixing up similar ones', () => {
    const names = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const [first, second] = segs(`w${i % 50}x:user`);
      expect(first).toBe(`w${i % 50}x`);
      expect(second).toBe('user');
      names.add(first as string);
    }
    expect(names.size).toBe(50);
  });
});

describe('isIdLike', () => {
  it.each([
    '0',
    '123',
    '9007199254740993',
    '1700000000.123',
    '123-456',
    '3f2c9a1e-7b4d-4c2a-9e1f-0a1b2c3d4e5f',
    '3F2C9A1E-7B4D-4C2A-9E1F-0A1B2C3D4E5F',
    '3f2c9a1e7b4d4c2a9e1f0a1b2c3d4e5f',
    'abcdefabcdefabcdefabcdefabcdefab',
    '507f1f77bcf86cd799439011',
    'd41d8cd98f00b204e9800998ecf8427e',
    'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    '3f2c9a1e',
    'DEADBEEF01',
    '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    '01arz3ndektsv4rrffq69g5fav',
    'aB3dE5fG7hJ9kL1mN2pQ',
    'tok_4f9a8b7c6d5e4f3a2b1c',
    'Xk9-pQ2_mN7vR4tY',
    // near-misses of the UUID and ULID shapes are still random tokens
    '91ARZ3NDEKTSV4RRFFQ69G5FAV',
    '3f2c9a1e-7b4d-4c2a-9e1f-0a1b2c3d4e5g',
  ])('%j is an ID', (segment) => {
    expect(isIdLike(segment)).toBe(true);
  });

  it.each([
    'user',
    'v2',
    'v10',
    'profile',
    'session',
    'sha256',
    'base64',
    'deadbeef',
    'facade',
    'abc123',
    'user123',
    '',
    '-',
    'user_profile_v2_settings',
    'notifications-preferences',
    'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    '2024-11-20',
    'café123456789',
    'a1b2',
  ])('%j is not an ID', (segment) => {
    expect(isIdLike(segment)).toBe(false);
  });

  it('recognises the UUID shape itself, not just random-looking text', () => {
    // no digits and no letter/digit mix: only the UUID rule can match these
    expect(isIdLike('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa')).toBe(true);
    expect(isIdLike('aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaag')).toBe(false);
    expect(isIdLike('aaaaaaaa-aaaa-aaaaa-aaa-aaaaaaaaaaaa')).toBe(false);
  });

  it('recognises the ULID shape itself: Crockford base32, first char 0-7', () => {
    // a single letter/digit boundary, so only the ULID rule can match these
    expect(isIdLike('0123456789012345678MNPQRST')).toBe(true);
    expect(isIdLike('9123456789012345678MNPQRST')).toBe(false);
    expect(isIdLike('0123456789012345678MNPQRSI')).toBe(false);
  });
});

describe('ID shapes of real libraries', () => {
  const name = (key: string, opts: NamespaceOptions = COLLAPSE) => namespaceName(Buffer.from(key), opts);

  it('collapses emails, IPv4 and whole IPv6 addresses, never splitting an address on its colons', () => {
    expect(name('keyv::keyv:user-by-email:customer1373@example.com')).toBe('keyv::keyv:user-by-email:‹email›');
    expect(name('login_fail_consecutive_username_and_ip:shopper1326@example.com_10.5.46.66')).toBe('login_fail_consecutive_username_and_ip:‹email›');
    expect(name('rl:10.1.2.3')).toBe('rl:‹ip›');
    expect(name('login_fail_ip_per_day:2001:db8:a:91::895d')).toBe('login_fail_ip_per_day:‹ip›');
    expect(name('login_fail_ip_per_day:2001:db8:a:91:1:2:3:4')).toBe('login_fail_ip_per_day:‹ip›');
    expect(name('ip:fe80::1:hits')).toBe('ip:‹ip›:hits');
    expect(name('login_fail_ip_per_day:2001:db8:a:91::895d', RAW)).toBe('login_fail_ip_per_day:2001:db8:a:91::895d');
    // near misses: two hex words around :: are words; 999.1.1.1 is not an address
    expect(name('a::b')).toBe('a::b');
    expect(name('x:999.1.1.1')).toBe('x:‹id›');
  });

  it('judges base64url tokens by length and alphabet, not by holding digits', () => {
    expect(name('sess:abcdefghijklmnopqrstuvwxyzABCDEF')).toBe('sess:‹token›');
    expect(name('sess:Qm9vbGVhbi1zZXNzaW9uLWlkLTEy')).toBe('sess:‹token›');
    expect(name('sess:aB3dE5fG7hJ9kL1mN2pQ')).toBe('sess:‹token›');
    // camelCase words and long snake_case words stay
    expect(name('getUserProfileById:x')).toBe('getUserProfileById:x');
    expect(name('login_fail_consecutive_username_and_ip')).toBe('login_fail_consecutive_username_and_ip');
  });

  it('collapses slug-123 ids, URL paths and query strings, JSON names and bottleneck limiter ids', () => {
    expect(name('tenants:tenant:acme-954')).toBe('tenants:tenant:‹slug›');
    expect(name('tenants:tenant:stark-industries-954')).toBe('tenants:tenant:‹slug›');
    expect(name('keyv::keyv:GET /api/products?page=5&sort=price&q=1905')).toBe('keyv::keyv:GET /api/products?‹query›');
    expect(name('cache:GET /api/products/123')).toBe('cache:GET /api/products/‹id›');
    expect(name('resque:timestamps:{"class":"chargeCard","queue":"billing","args":[{"a":"b:c"}]}')).toBe('resque:timestamps:‹json›');
    expect(name('b_api-tenant-12_settings')).toBe('b_‹id›_settings');
    // near misses
    expect(name('utf-8:x')).toBe('utf-8:x');
    expect(name('i18n:en-US:v2:user:profile')).toBe('i18n:en-US:v2:user:profile');
    expect(name('reports:2024:q1')).toBe('reports:2024:q1');
  });

  it('never confuses a hash tag or literal text with a placeholder', () => {
    expect(name('{bull}:thumbnails:12')).toBe('{bull}:thumbnails:‹id›');
    expect(name('a:‹id›')).toBe('a:"\\xe2\\x80\\xb9id\\xe2\\x80\\xba"');
  });

  it('splits on several delimiters, keeping the separator each key has', () => {
    const both = { ...COLLAPSE, delimiters: [':', '/'] };
    expect(name('cache:api/products/123', both)).toBe('cache:api/products/‹id›');
    expect(namespaceSegments(Buffer.from('cache:api/products/123'), both)).toEqual(['cache', 'api', 'products', '‹id›']);
  });
});
