/** HTTP entry layer: the Hono app and its error mapper. */
export { createHttpApp, type HealthProbe, type HttpDeps } from './app.js';
export { type HttpErrorBody, toHttpError } from './to-http-error.js';
