import { pino, type Logger as Pino } from 'pino';
import type {
  LogLevel as TemporalLevel,
  LogMetadata,
  Logger as TemporalLogger,
} from '@temporalio/common';

export type { Pino };

/** Headers and fields that must never reach a log line. */
export const REDACTED = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'appSecret',
  'verifyToken',
  'apiKey',
  'key',
];

const SECRET_PARAM = /token|secret|password|key|challenge|signature/i;

/** A request URL fit for a log line: the values of secret-looking query parameters are hidden. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) {
    if (SECRET_PARAM.test(name)) params.set(name, '[redacted]');
  }
  return `${url.slice(0, q)}?${params.toString()}`;
}

/**
 * The one logger of every process: JSON lines on stdout, with the process's name and whatever
 * ids the caller adds (campaignId, workflowId, request id).
 */
export function createLogger(service: string, level: string): Pino {
  return pino({
    level,
    base: { service },
    redact: { paths: REDACTED, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Routes the Temporal SDK's logs (worker, activities, workflows) into the process's logger. */
export function temporalLogger(logger: Pino): TemporalLogger {
  const write = (level: TemporalLevel, message: string, meta?: LogMetadata) => {
    const fn = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' }[
      level
    ];
    logger[fn as 'info'](meta ?? {}, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
