export {
  ensureDatabase,
  startEmbeddedDatabase,
  withDatabase,
  type RunningDatabase,
} from './embedded-database.js';
export { freePort } from '#libs/observability';
export { startProcess, startService, waitForHttp, type ServiceProcess } from './processes.js';
export {
  projectCacheDir,
  resolveTemporalBinary,
  TEMPORAL_CLI_VERSION,
  type TemporalBinary,
} from './temporal-binary.js';
export {
  resolveTemporalServer,
  TEMPORAL_SERVER_VERSION,
  TEMPORAL_UI_VERSION,
  type TemporalServerBinaries,
} from './temporal-server-binary.js';
export { startTemporalRealServer, type TemporalRealServer } from './temporal-real-server.js';
export { startTemporalDevServer, type TemporalDevServer } from './temporal-dev-server.js';
export { SERVICE_SCRIPTS, projectRoot } from './layout.js';
export {
  startInfrastructure,
  temporalServerSetting,
  type TemporalServerKind,
  type Infrastructure,
  type InfrastructureOptions,
} from './infrastructure.js';
export { startEngine, type Engine, type EngineOptions } from './engine.js';
export { chromiumPath, ensureChromium } from './browser.js';
export { terminalProgress } from './progress.js';
