import { Connection } from '@temporalio/client';
import { msToTs, type SearchAttributeType } from '@temporalio/common';
import { CAMPAIGN_SEARCH_ATTRIBUTES } from '#workflows/campaign.definitions';
import { DRIP_SEARCH_ATTRIBUTES } from '#workflows/drip.definitions';
import { setTimeout as delay } from 'node:timers/promises';

/** Every search attribute the engine's workflows set: the code's own list, the one source. */
export const PROJECT_SEARCH_ATTRIBUTES = [...CAMPAIGN_SEARCH_ATTRIBUTES, ...DRIP_SEARCH_ATTRIBUTES];

/** Temporal's `IndexedValueType` numbers (temporal/api/enums/v1/common.proto). */
const INDEXED_VALUE_TYPE: Record<SearchAttributeType, number> = {
  TEXT: 1,
  KEYWORD: 2,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};
const indexedType = (type: SearchAttributeType) => INDEXED_VALUE_TYPE[type];

const isCode = (err: unknown, code: number) => (err as { code?: number }).code === code;
const ALREADY_EXISTS = 6;

/**
 * Prepares a namespace on a real Temporal server for the engine: registers it when missing
 * (with `retentionDays`) and adds whichever of the project's search attributes it lacks.
 * Idempotent; waits until the server answers and the attributes are visible.
 */
export async function prepareNamespace(options: {
  address: string;
  namespace: string;
  retentionDays?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let connection: Connection | undefined;
  while (!connection) {
    try {
      connection = await Connection.connect({ address: options.address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
    } catch (err) {
      await connection?.close();
      connection = undefined;
      if (Date.now() > deadline)
        throw new Error(`Temporal at ${options.address} did not answer: ${String(err)}`, {
          cause: err,
        });
      await delay(500);
    }
  }
  try {
    const { namespace } = options;
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(`${options.retentionDays ?? 3} days`),
      });
      options.log?.(`registered namespace ${namespace}`);
    } catch (err) {
      if (!isCode(err, ALREADY_EXISTS)) throw err;
    }
    for (;;) {
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({
          namespace,
        });
        const missing = PROJECT_SEARCH_ATTRIBUTES.filter(
          (key) => !(customAttributes && key.name in customAttributes),
        );
        if (missing.length === 0) return;
        await connection.operatorService.addSearchAttributes({
          namespace,
          searchAttributes: Object.fromEntries(missing.map((k) => [k.name, indexedType(k.type)])),
        });
        options.log?.(`search attributes added: ${missing.map((k) => k.name).join(', ')}`);
      } catch (err) {
        // A namespace just registered takes a moment to reach every service.
        if (Date.now() > deadline) throw err;
        await delay(500);
      }
    }
  } finally {
    await connection.close();
  }
}
