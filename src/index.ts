// Library surface: the connection layer and the core operations, usable without the CLI.

export { connect } from './connection/connect.js';
export type { ConnectionOptions, Endpoint, TlsOptions, TopologyHint } from './connection/options.js';
export { defaultConnectionOptions, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_SENTINEL_PORT, DEFAULT_TIMEOUT_MS } from './connection/options.js';
export { parseRedisUrl, parseEndpointList } from './connection/address.js';
export type { NodeHandle, NodeRole, SlotRange, Topology, TopologyKind } from './connection/topology.js';
export { CachectlError, ExitCode } from './core/errors.js';
export type { ErrorCode, ExitCodeValue } from './core/errors.js';
export { describeNodes } from './core/nodes.js';
export type { NodeReport, NodesReport } from './core/nodes.js';
export { keyspaceFigure, quickReport, runTtlAudit, TTL_AUDIT_SCHEMA_VERSION } from './core/ttl-audit.js';
export type { InstantFigure, NamespaceResult, RuleResult, TtlAuditOptions, TtlAuditReport, Verdict } from './core/ttl-audit.js';
export { buildRules, parseTtlPolicy, POLICY_FILE_NAME } from './core/ttl-policy.js';
export type { RuleSetOptions, TtlPolicy, TtlRule } from './core/ttl-policy.js';
