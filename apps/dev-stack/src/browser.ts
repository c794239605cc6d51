import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where the browser tests look for Chromium: CHROMIUM_PATH, else Debian's package. */
export const chromiumPath = (env: NodeJS.ProcessEnv = process.env) =>
  env.CHROMIUM_PATH || '/usr/bin/chromium';

const executable = (file: string) =>
  access(file, constants.X_OK).then(
    () => true,
    () => false,
  );

/**
 * Makes sure Chromium is installed for the browser tests: Debian's `chromium` package (these
 * machines reach Debian's mirrors, not browser download hosts). Installing needs root; others
 * are told what to run.
 */
export async function ensureChromium(log: (line: string) => void): Promise<string> {
  const path = chromiumPath();
  if (await executable(path)) return path;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium is not installed at ${path}: run \`sudo apt-get install -y chromium\` ` +
        '(or `npm run setup:browser` as root), or set CHROMIUM_PATH to a Chromium binary.',
    );
  }
  log('installing Chromium from Debian (apt-get install chromium)');
  await run('apt-get', ['update'], { maxBuffer: 64 * 1024 * 1024 });
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!(await executable(path))) throw new Error(`installed chromium, but ${path} is missing`);
  return path;
}
