/** HTTP entry layer: the Hono app and its error mapper. */
export { createHttpApp, type HealthProbe, type HttpDeps } from './app.js';
export { MCP_MAX_BODY_BYTES, type McpRouteDeps, type McpTracer } from './mcp-route.js';
export type { MetricsEndpoint } from './metrics-route.js';
export { createDrainSwitch, type DrainSwitch } from './readiness.js';
export { type HttpErrorBody, toHttpError } from './to-http-error.js';
export { protectedResourceMetadataUrl } from './well-known.js';
