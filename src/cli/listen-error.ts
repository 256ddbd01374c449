/**
 * Why the HTTP server could not listen, in words that say what to change. The operating
 * system's codes (EADDRINUSE and friends) become one line naming the port or host and the
 * flag that moves it; anything else stays an unclassified error.
 */
import type { Config } from '../config/index.js';
import { AppError } from '../core/index.js';

const PRIVILEGED_PORT_LIMIT = 1024;

export function toListenError(error: unknown, config: Pick<Config, 'host' | 'port'>): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const { host, port } = config;
  const message = (() => {
    switch (code) {
      case 'EADDRINUSE':
        return `port ${port} is in use on ${host}; pass --port (or set TASKGATE_PORT) to pick another`;
      case 'EACCES':
        return port < PRIVILEGED_PORT_LIMIT
          ? `port ${port} needs administrator rights; pass --port ${PRIVILEGED_PORT_LIMIT} or above`
          : `not allowed to listen on ${host} port ${port}; pass another --port or --host`;
      case 'EADDRNOTAVAIL':
        return `host ${host} is not an address of this machine; pass --host (e.g. 127.0.0.1)`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `host ${host} does not resolve to an address; pass --host (e.g. 127.0.0.1)`;
      default:
        return undefined;
    }
  })();
  return message === undefined ? error : new AppError('invalid_input', message, { cause: error });
}
