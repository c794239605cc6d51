import { Runtime } from '@temporalio/worker';

export default async function globalTeardown(): Promise<void> {
  await new Promise((resolve) => globalThis.__testControl?.close(resolve) ?? resolve(undefined));
  await globalThis.__testRealTemporal?.stop();
  await globalThis.__testInfrastructure?.stop();
  // The SDK's native runtime (started with the dev server) would otherwise keep Jest alive.
  await Runtime.instance().shutdown();
}
