/** Configuration: one zod schema for every setting, loaded from flags + environment, frozen. */
export { renderConfigurationTable } from './doc.js';
export { type Config, type ConfigFlags, type ConfigSources, loadConfig, parseConfig } from './load-config.js';
export {
  DATABASE_TIMEOUT_DEFAULTS_MS,
  ENVIRONMENTS,
  type Environment,
  PROXY_HEADERS,
  type ProxyHeader,
  SETTINGS,
  type SettingName,
} from './settings.js';
