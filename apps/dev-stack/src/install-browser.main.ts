import { ensureChromium } from './browser.js';

/** `npm run setup:browser`: installs Debian's Chromium for the browser tests (needs root). */
try {
  const path = await ensureChromium((line) => process.stdout.write(`${line}\n`));
  process.stdout.write(`chromium: ${path}\n`);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
