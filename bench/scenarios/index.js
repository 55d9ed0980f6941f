// The scenario registry, in the order they run. To add one: write bench/scenarios/<name>.js
// exporting a Scenario (see the typedef in bench/lib/runner.js) and list it here.
import { auditTtlScenario } from './audit-ttl.js';
import { bigkeysScenario } from './bigkeys.js';
import { browseScenario } from './browse.js';
import { clusterScenario } from './cluster.js';
import { keysScenario } from './keys.js';
import { purgeScenario } from './purge.js';
import { snapshotScenario } from './snapshot.js';
import { stallScenario } from './stall.js';
import { startupScenario } from './startup.js';
import { topScenario } from './top.js';
import { trafficClusterScenario, trafficScenario } from './traffic.js';

/** @type {import('../lib/runner.js').Scenario[]} */
export const scenarios = [keysScenario, bigkeysScenario, browseScenario, auditTtlScenario, purgeScenario, clusterScenario, topScenario, trafficScenario, trafficClusterScenario, startupScenario, snapshotScenario, stallScenario];
