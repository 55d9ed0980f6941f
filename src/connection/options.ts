// Connection options: one interface for every topology, with documented defaults.
// Built by the CLI from flags, env and named contexts; usable directly by library callers.

export interface Endpoint {
  host: string;
  port: number;
}

export type TopologyHint = 'auto' | 'standalone' | 'cluster' | 'sentinel';

export interface TlsOptions {
  /** PEM file of the CA that signed the server certificate. @default system CAs */
  caFile?: string;
  /** Client certificate and key (PEM) for servers with tls-auth-clients yes. */
  certFile?: string;
  keyFile?: string;
  /** Skip certificate verification. Explicit opt-out, warned about by the CLI. @default false */
  insecure?: boolean;
  /** Server name for SNI and certificate verification. @default the host */
  serverName?: string;
}

export interface ConnectionOptions {
  /** Seed nodes. A single node, one or more cluster seeds. @default [{ host: DEFAULT_HOST, port: DEFAULT_PORT }] */
  endpoints: Endpoint[];
  /** How to treat the endpoints: 'auto' asks the node (INFO cluster_enabled). @default 'auto' */
  mode: TopologyHint;
  /** Database number; Cluster has only 0. @default 0 */
  db: number;
  /** ACL user name. @default the server's "default" user */
  username?: string;
  password?: string;
  /** TLS settings; undefined means plain TCP. */
  tls?: TlsOptions;
  /** Sentinel addresses and the monitored master's name (mode 'sentinel'). */
  sentinels?: Endpoint[];
  masterName?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** Bounds connecting and each command, in ms. @default DEFAULT_TIMEOUT_MS */
  timeoutMs: number;
  /** CLIENT SETNAME value, so operators can see cachectl in CLIENT LIST. @default 'cachectl' */
  clientName: string;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 6379;
export const DEFAULT_SENTINEL_PORT = 26379;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_CLIENT_NAME = 'cachectl';

export function defaultConnectionOptions(): ConnectionOptions {
  return {
    endpoints: [{ host: DEFAULT_HOST, port: DEFAULT_PORT }],
    mode: 'auto',
    db: 0,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    clientName: DEFAULT_CLIENT_NAME,
  };
}

export function formatEndpoint(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}
