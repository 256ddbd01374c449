/**
 * Another web site on this machine for browser tests: a plain HTTP server on 127.0.0.1 (a
 * different origin from the server under test, on another port) that plays an OAuth
 * client's loopback redirect target — it hands each authorization response to the test —
 * and an attacker's pages (a framing page, a cross-site form).
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';

export interface LocalSite {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The redirect URI it answers: `<origin>/callback`. */
  readonly callbackUrl: string;
  /** Resolves with the query of the next request to /callback. */
  nextCallback(): Promise<URLSearchParams>;
  /** How many requests /callback got so far. */
  readonly callbacks: number;
  /** Serves `html` at `path` (no security headers: any page may frame or be framed). */
  servePage(path: string, html: string): string;
  close(): Promise<void>;
}

export async function startLocalSite(): Promise<LocalSite> {
  const pages = new Map<string, string>();
  const sockets = new Set<Socket>();
  const waiting: ((params: URLSearchParams) => void)[] = [];
  let callbacks = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/callback') {
      callbacks += 1;
      res.writeHead(200, { 'content-type': 'text/html' }).end('<p id="done">You can close this window.</p>');
      waiting.shift()?.(url.searchParams);
      return;
    }
    const page = pages.get(url.pathname);
    if (page === undefined) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    callbackUrl: `${origin}/callback`,
    nextCallback: () => new Promise((resolve) => waiting.push(resolve)),
    get callbacks() {
      return callbacks;
    },
    servePage(path, html) {
      pages.set(path, html);
      return `${origin}${path}`;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
