import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** One service of docker-compose.yml, after interpolation, merge keys and normalisation. */
export interface ComposeService {
  name: string;
  image?: string;
  build?: unknown;
  user?: string;
  profiles: string[];
  entrypoint?: string[];
  command?: string[];
  environment: Record<string, string>;
  /** Ports the service listens on (its `expose` list and the container side of `ports`). */
  listens: number[];
  /** Bind mounts: container path -> path relative to the compose file. */
  binds: { source: string; target: string }[];
  dependsOn: Record<
    string,
    'service_started' | 'service_healthy' | 'service_completed_successfully'
  >;
  healthcheck?: {
    /** ['CMD', ...] or ['CMD-SHELL', script]. */
    test: string[];
    intervalMs: number;
    timeoutMs: number;
    retries: number;
    startPeriodMs: number;
  };
  restart?: string;
  raw: Record<string, unknown>;
}

export interface ComposeFile {
  /** The file as parsed (merge keys resolved), before interpolation: for the schema check. */
  document: { services: Record<string, Record<string, unknown>> };
  services: Record<string, ComposeService>;
  /** Every variable the file interpolates, and whether it must be set (`:?`). */
  variables: Map<string, { required: boolean }>;
}

/** `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `$$`. */
const INTERPOLATION =
  /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose's interpolation of one value; a missing required variable fails as compose does. */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(
    INTERPOLATION,
    (match, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const set = env[name];
      // With a colon an empty value counts as unset, as in compose.
      const empty = set === undefined || (op?.startsWith(':') === true && set === '');
      if (op?.endsWith('?') && empty) {
        throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`);
      }
      if (op?.endsWith('-') && empty) return arg ?? '';
      return set ?? '';
    },
  );
}

function variablesOf(value: string, into: ComposeFile['variables']) {
  for (const m of value.matchAll(INTERPOLATION)) {
    const name = m[1] ?? m[4];
    if (!name) continue;
    const required = m[2]?.endsWith('?') ?? false;
    into.set(name, { required: required || (into.get(name)?.required ?? false) });
  }
}

function walk(value: unknown, onString: (s: string) => string): unknown {
  if (typeof value === 'string') return onString(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, onString));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, onString)]));
  }
  return value;
}

/** Go-style durations as compose writes them: 1m30s, 500ms, 10s. */
export function durationMs(text: unknown, fallback: number): number {
  if (typeof text !== 'string') return fallback;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 1e-3 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g))
    total += Number(m[1]) * units[m[2]];
  return total;
}

/** A YAML scalar as compose reads it (numbers and booleans as written). */
const scalar = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v);
const list = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v.map(scalar) : scalar(v).split(/\s+/);

function environmentOf(v: unknown): Record<string, string> {
  if (Array.isArray(v)) {
    return Object.fromEntries(
      v.map((entry) => {
        const [k, ...rest] = scalar(entry).split('=');
        return [k, rest.join('=')];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries((v ?? {}) as Record<string, unknown>).map(([k, val]) => [k, scalar(val)]),
  );
}

function normalise(name: string, s: Record<string, unknown>): ComposeService {
  const deps = s.depends_on;
  const dependsOn: ComposeService['dependsOn'] = {};
  if (Array.isArray(deps)) for (const d of deps) dependsOn[String(d)] = 'service_started';
  else if (deps && typeof deps === 'object') {
    for (const [d, spec] of Object.entries(deps as Record<string, { condition?: string }>)) {
      dependsOn[d] = (spec?.condition ?? 'service_started') as ComposeService['dependsOn'][string];
    }
  }
  const ports = ((s.ports ?? []) as unknown[]).map((p) =>
    Number(String(p).split(':').pop()?.split('/')[0]),
  );
  const expose = ((s.expose ?? []) as unknown[]).map((p) => Number(String(p).split('/')[0]));
  const binds = ((s.volumes ?? []) as unknown[])
    .map((v) => String(v).split(':'))
    .filter(([source]) => source?.startsWith('.') || source?.startsWith('/'))
    .map(([source, target]) => ({ source: source, target: target }));
  const hc = s.healthcheck as Record<string, unknown> | undefined;
  const test = hc?.test;
  return {
    name,
    image: s.image as string | undefined,
    build: s.build,
    user: s.user === undefined ? undefined : scalar(s.user),
    profiles: (s.profiles as string[] | undefined) ?? [],
    entrypoint: list(s.entrypoint),
    command: list(s.command),
    environment: environmentOf(s.environment),
    listens: [...new Set([...expose, ...ports])],
    binds,
    dependsOn,
    healthcheck:
      hc && !hc.disable
        ? {
            test: typeof test === 'string' ? ['CMD-SHELL', test] : (test as string[]).map(String),
            intervalMs: durationMs(hc.interval, 30_000),
            timeoutMs: durationMs(hc.timeout, 30_000),
            retries: Number(hc.retries ?? 3),
            startPeriodMs: durationMs(hc.start_period, 0),
          }
        : undefined,
    restart: s.restart === undefined ? undefined : scalar(s.restart),
    raw: s,
  };
}

/**
 * Reads a compose file as `docker compose` would with `env` as its environment and .env:
 * merge keys resolved, every value interpolated, services of inactive profiles left out.
 */
export async function loadCompose(
  file: URL,
  env: Record<string, string | undefined>,
  profiles: string[] = [],
): Promise<ComposeFile> {
  const document = parse(await readFile(file, 'utf8'), { merge: true }) as ComposeFile['document'];
  const variables: ComposeFile['variables'] = new Map();
  walk(document.services, (s) => (variablesOf(s, variables), s));
  const interpolated = walk(document.services, (s) => interpolate(s, env)) as Record<
    string,
    Record<string, unknown>
  >;
  const services = Object.fromEntries(
    Object.entries(interpolated)
      .map(([name, s]) => normalise(name, s))
      .filter((s) => s.profiles.length === 0 || s.profiles.some((p) => profiles.includes(p)))
      .map((s) => [s.name, s]),
  );
  return { document, services, variables };
}
