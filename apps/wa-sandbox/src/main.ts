import { loadConfigOrExit } from '#libs/config';
import { createSandbox } from './sandbox.js';
import { sandboxConfigSchema } from './sandbox.config.js';

const config = loadConfigOrExit(sandboxConfigSchema, 'wa-sandbox');
const sandbox = createSandbox(config);
const url = await sandbox.listen().catch((err: NodeJS.ErrnoException) => {
  if (err.code !== 'EADDRINUSE') throw err;
  process.stderr.write(
    `wa-sandbox: ${config.HOST}:${config.SANDBOX_PORT} is already in use; stop what uses it or set SANDBOX_PORT\n`,
  );
  process.exit(1);
});
process.stdout.write(`WhatsApp sandbox listening on ${url}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
