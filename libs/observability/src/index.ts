export { createLogger, REDACTED, temporalLogger, type Pino } from './logger.js';
export { freePort } from './free-port.js';
