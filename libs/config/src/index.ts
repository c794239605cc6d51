export { ConfigError, loadConfig, loadConfigOrExit } from './load-config.js';
export {
  databaseSettings,
  httpSettings,
  portSchema,
  temporalSettings,
  whatsappSettings,
} from './settings.js';
