// `--type NAME` beyond the six core types: servers differ. Redis matches any name in SCAN TYPE (a
// misspelt one silently matches nothing); Valkey 8 refuses a name that is neither a core type nor a
// loaded module's ("ERR unknown type name"). A scan asks each node once before it starts, so the
// Valkey refusal is a usage error naming the type, and an empty Redis result says why it may be empty.

import type { Redis } from 'ioredis';
import type { NodeHandle } from '../../connection/topology.js';
import { CachectlError } from '../../base/errors.js';
import { parseInfo, serverLabel } from '../../base/info.js';

export const CORE_KEY_TYPES: readonly string[] = ['string', 'list', 'set', 'zset', 'hash', 'stream'];

export function isCoreType(name: string): boolean {
  return CORE_KEY_TYPES.includes(name.toLowerCase());
}

/** Throws a usage error when a node refuses `type` in SCAN TYPE (Valkey: no core or loaded module type has that name). */
export async function assertTypeKnown(nodes: readonly NodeHandle[], type: string): Promise<void> {
  await Promise.all(nodes.map(async (node) => {
    const client = await node.ready();
    const refusal = await client.call('SCAN', '0', 'COUNT', '1', 'TYPE', type).then(
      () => undefined,
      (error: unknown) => (/unknown type name/i.test(String((error as Error)?.message)) ? error : undefined),
    );
    if (refusal === undefined) return;
    const server = await describeServer(client);
    const modules = await loadedModules(client);
    throw new CachectlError('USAGE', `--type ${type}: ${server} at ${node.address} knows no type of that name (it refuses it in SCAN TYPE)`, {
      hint: `it knows ${CORE_KEY_TYPES.join(', ')}${modules === undefined ? ' and the types of its loaded modules' : modules.length === 0 ? ' (no modules are loaded)' : ` and the types of its modules ${modules.join(', ')}`}: check the spelling, or load the module that provides the type`,
    });
  }));
}

/** The notice for a scan of a non-core type that found nothing, on a server that accepts any name. */
export function noKeyOfTypeNotice(type: string): string {
  return `no key of type "${type}": the server accepts any name in SCAN TYPE, so a misspelt type matches nothing ` +
    `(core types: ${CORE_KEY_TYPES.join(', ')}; a module's type as TYPE reports it, e.g. ReJSON-RL)`;
}

async function describeServer(client: Redis): Promise<string> {
  try {
    return serverLabel(parseInfo(await client.info('server'))) ?? 'the server';
  } catch {
    return 'the server';
  }
}

/** The names MODULE LIST gives, or undefined when the server does not say (ACL). */
async function loadedModules(client: Redis): Promise<string[] | undefined> {
  try {
    const reply = (await client.call('MODULE', 'LIST')) as unknown[];
    return reply.map((entry) => {
      const fields = entry as unknown[];
      const at = fields.findIndex((field) => String(field) === 'name');
      return at >= 0 ? String(fields[at + 1]) : '?';
    });
  } catch {
    return undefined;
  }
}
