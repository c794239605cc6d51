import { loadConfigOrExit } from '#libs/config';
import { createSandbox } from './sandbox.js';
import { sandboxConfigSchema } from './sandbox.config.js';

const config = loadConfigOrExit(sandboxConfigSchema, 'wa-sandbox');
const sandbox = createSandbox(config);
const url = await sandbox.listen();
process.stdout.write(`WhatsApp sandbox listening on ${url}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
