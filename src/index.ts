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
export { sampleMemory, DEFAULT_MEMORY_INTERVAL_MS } from './core/memory-report.js';
export type { MemoryReport, MemoryReportOptions, MemoryNodeReport, MemoryTotals, MemoryNote } from './core/memory-report.js';
export { memoryFindings, THRESHOLDS as MEMORY_THRESHOLDS, SEVERITY_RANK } from './core/memory-findings.js';
export type { Finding, FindingId, Severity } from './core/memory-findings.js';
export { readMemoryFigures } from './core/memory-figures.js';
export type { MemoryFigures } from './core/memory-figures.js';
export { computeInfoRates, combineInfoRates, lifetimeHitRate } from './core/info-rates.js';
export type { InfoRates } from './core/info-rates.js';
