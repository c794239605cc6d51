import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveTemporalBinary, TEMPORAL_CLI_VERSION } from './temporal-binary.js';

/** An executable shell script standing in for a real program. */
async function script(file: string, body: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

const fakeTemporal = (version: string) =>
  `echo "temporal version ${version} (Server 1.29.1, UI 2.42.1)"`;

describe('resolveTemporalBinary', () => {
  let dir: string;
  let bin: string;
  let cache: string;
  let goArgs: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'temporal-binary-'));
    bin = path.join(dir, 'bin');
    cache = path.join(dir, 'cache');
    goArgs = path.join(dir, 'go-args');
    // A `go` that "installs" a temporal CLI into $GOBIN and records how it was called.
    await script(
      path.join(bin, 'go'),
      `echo "$@" > ${goArgs}
printf '#!/bin/sh\\n${fakeTemporal(TEMPORAL_CLI_VERSION)}\\n' > "$GOBIN/temporal"
chmod +x "$GOBIN/temporal"`,
    );
  });

  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    PATH: `${bin}:/bin:/usr/bin`,
    XDG_CACHE_HOME: cache,
    ...extra,
  });
  const cached = () =>
    path.join(cache, 'wa-campaign-engine', 'temporal', `v${TEMPORAL_CLI_VERSION}`, 'temporal');

  it('builds the pinned CLI version with go install into the cache, then reuses it', async () => {
    const built = await resolveTemporalBinary({ env: env() });
    expect(built).toEqual({ path: cached(), source: 'go install', version: TEMPORAL_CLI_VERSION });
    const args = await readFile(goArgs, 'utf8');
    expect(args).toContain(`install`);
    expect(args).toContain(`github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`);
    expect(args).toContain(`temporalcli.Version=${TEMPORAL_CLI_VERSION}`);

    const again = await resolveTemporalBinary({ env: env() });
    expect(again.source).toBe('cache');
  });

  it('rebuilds a cached binary that reports another version', async () => {
    await script(cached(), fakeTemporal('0.0.0-DEV'));
    const result = await resolveTemporalBinary({ env: env() });
    expect(result.source).toBe('go install');
    expect(result.version).toBe(TEMPORAL_CLI_VERSION);
  });

  it('prefers temporal on PATH over the cache', async () => {
    await script(cached(), fakeTemporal(TEMPORAL_CLI_VERSION));
    const onPath = await script(path.join(bin, 'temporal'), fakeTemporal('1.6.0'));
    expect(await resolveTemporalBinary({ env: env() })).toEqual({
      path: onPath,
      source: 'PATH',
      version: '1.6.0',
    });
  });

  it('prefers TEMPORAL_CLI_PATH over everything, and refuses one that does not work', async () => {
    await script(path.join(bin, 'temporal'), fakeTemporal('1.6.0'));
    const chosen = await script(path.join(dir, 'chosen', 'temporal'), fakeTemporal('1.4.0'));
    expect(await resolveTemporalBinary({ env: env({ TEMPORAL_CLI_PATH: chosen }) })).toEqual({
      path: chosen,
      source: 'TEMPORAL_CLI_PATH',
      version: '1.4.0',
    });
    const broken = await script(path.join(dir, 'broken', 'temporal'), 'exit 3');
    await expect(
      resolveTemporalBinary({ env: env({ TEMPORAL_CLI_PATH: broken }) }),
    ).rejects.toThrow(/not a working temporal CLI/);
  });
});
