/**
 * A throw-away HTTPS server on 127.0.0.1 for tests that need a real TLS peer (serving a
 * Client ID Metadata Document, a redirect, a slow or oversized answer). The self-signed
 * certificate and its key are generated with openssl into a temp dir at run time and
 * removed on close: no key is ever committed. Also a bare TCP listener that counts the
 * connections it receives, to prove a refused fetch never reached its target.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  /** PEM file of the self-signed certificate: pass it as the trusted test CA. */
  readonly certFile: string;
  readonly cert: string;
  readonly key: string;
  remove(): void;
}

/** A P-256 self-signed certificate for `localhost`, 127.0.0.1, ::1 and any `extraDnsNames`. */
export function createTestCertificate(extraDnsNames: readonly string[] = []): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const names = ['localhost', ...extraDnsNames].map((name) => `DNS:${name}`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      `subjectAltName=${[...names, 'IP:127.0.0.1', 'IP:::1'].join(',')}`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return {
    certFile,
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type TestHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface HttpsTestServer {
  readonly port: number;
  /** `https://127.0.0.1:<port>` */
  readonly origin: string;
  /** `127.0.0.1:<port>`, the form the CIMD test allow-list takes. */
  readonly hostPort: string;
  /** Requests received so far. */
  readonly requests: number;
  url(path: string): string;
  /** Serves `document` as JSON at `path` (200, Content-Length set). */
  serveJson(path: string, document: unknown): void;
  /** Answers `path` with any handler (redirects, slow or oversized bodies…). */
  handle(path: string, handler: TestHandler): void;
  close(): Promise<void>;
}

export async function startHttpsServer(certificate: TestCertificate): Promise<HttpsTestServer> {
  const routes = new Map<string, TestHandler>();
  const sockets = new Set<Socket>();
  let requests = 0;
  const server = createHttpsServer({ cert: certificate.cert, key: certificate.key }, (request, response) => {
    requests += 1;
    const handler = routes.get(new URL(request.url ?? '/', 'https://x').pathname);
    if (handler) return handler(request, response);
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  const origin = `https://127.0.0.1:${port}`;
  return {
    port,
    origin,
    hostPort: `127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    url: (path) => `${origin}${path}`,
    serveJson(path, document) {
      const body = JSON.stringify(document);
      routes.set(path, (_request, response) => {
        response
          .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
          .end(body);
      });
    },
    handle: (path, handler) => routes.set(path, handler),
    close: () => closeServer(server, sockets),
  };
}

export interface ConnectionCounter {
  readonly port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** A TCP listener that accepts, counts and drops connections: the stand-in target of an attack. */
export async function startConnectionCounter(host = '127.0.0.1', port = 0): Promise<ConnectionCounter> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.destroy();
  });
  const bound = await listen(server, host, port);
  return {
    port: bound,
    get connections() {
      return connections;
    },
    close: () => closeServer(server, sockets),
  };
}

interface Listenable {
  listen(port: number, host: string, callback: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  address(): ReturnType<import('node:net').Server['address']>;
}

function listen(server: Listenable, host = '127.0.0.1', port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function closeServer(server: { close(callback: () => void): unknown }, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}
