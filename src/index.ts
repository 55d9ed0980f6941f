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
export { DashboardModel, INFO_SECTIONS } from './core/dashboard-model.js';
export type { DashboardModelOptions } from './core/dashboard-model.js';
export { snapshotRecord } from './core/dashboard-snapshot.js';
export type { DashboardSnapshot, DashboardTotals, NodeRow, NodeDetail, History } from './core/dashboard-snapshot.js';
export { Poller } from './core/poller.js';
export type { PollerOptions, PollerState } from './core/poller.js';
export { LatencyProbe, DEFAULT_PROBE_INTERVAL_MS, DEFAULT_PROBE_WINDOW_MS } from './core/latency-probe.js';
export type { LatencyStats, LatencyProbeOptions } from './core/latency-probe.js';
export { LatencyHistogram } from './core/latency-histogram.js';
