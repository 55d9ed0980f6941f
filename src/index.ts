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
export { planPurge, disposePlan, planRefusals, patternRefusal, planToJson, DEFAULT_MAX_SHARE } from './core/purge.js';
export type { PurgePlan, PurgePlanJson, PlanOptions, GuardLimits, GuardRefusal } from './core/purge.js';
export { executePurge } from './core/purge-execute.js';
export type { ExecuteOptions, PurgeEvent, PurgeProgress, PurgeSummary } from './core/purge-execute.js';
export { BackupReader, BackupWriter, BACKUP_FORMAT_VERSION } from './core/backup.js';
export type { BackupHeader, BackupRecord, BackupEnding } from './core/backup.js';
export { planRestore, executeRestore } from './core/restore.js';
export type { RestorePlan, RestoreOptions, RestoreSummary, RestoreEvent } from './core/restore.js';
