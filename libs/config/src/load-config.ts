import { z } from 'zod';

/** Thrown when the environment does not satisfy a process's config schema. */
export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; reason: string }[]) {
    super(
      'Invalid configuration:\n' + issues.map((i) => `  ${i.variable}: ${i.reason}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment once, at start-up, into a typed object. Each process owns one schema;
 * nothing else reads process.env.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  // Empty strings mean "not set", so defaults and optionals apply as they would to a missing key.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => ({
        variable: issue.path.join('.') || '(root)',
        reason: issue.message,
      })),
    );
  }
  return result.data;
}

/** Loads config or ends the process with a message naming each bad variable. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, processName: string): z.infer<S> {
  try {
    return loadConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${processName}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
