export { ConfigError, loadConfig, loadConfigOrExit } from './load-config.js';
export {
  databaseSettings,
  httpSettings,
  logSettings,
  portSchema,
  temporalSettings,
  whatsappSettings,
  encryptionSettings,
  workflowSettings,
} from './settings.js';
