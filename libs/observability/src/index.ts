export { createLogger, REDACTED, redactUrl, temporalLogger, type Pino } from './logger.js';
export { freePort } from './free-port.js';
