/**
 * Prepares a Temporal server for the engine: registers TEMPORAL_NAMESPACE when it is missing
 * and adds the search attributes the workflows set, from the code's own list. Idempotent; the
 * deployment runs it once before the API and the workers start.
 */
import { loadConfigOrExit, temporalSettings } from '#libs/config';
import { prepareNamespace } from '#libs/temporal';

const config = loadConfigOrExit(
  temporalSettings.pick({ TEMPORAL_ADDRESS: true, TEMPORAL_NAMESPACE: true }),
  'temporal-setup',
);
await prepareNamespace({
  address: config.TEMPORAL_ADDRESS,
  namespace: config.TEMPORAL_NAMESPACE,
  log: (line) => process.stdout.write(`${line}\n`),
});
process.stdout.write(
  `Temporal at ${config.TEMPORAL_ADDRESS}: namespace ${config.TEMPORAL_NAMESPACE} is ready\n`,
);
