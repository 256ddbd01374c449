/**
 * Test-only HTTP proxy for the MCP conformance run (`scripts/conformance.mjs`).
 *
 * The official conformance suite sends no credentials, and Taskgate's /mcp requires
 * `Authorization: Bearer <key>`. Rather than a server flag that turns authentication off
 * (there is none, and there must never be one), this proxy sits in front of a real Taskgate
 * and adds a valid key to every request. Everything else is forwarded exactly as received —
 * method, path and query, body, and every other header including Host and Origin — so
 * Taskgate's own checks (DNS-rebinding protection on Host/Origin, body limits, …) judge
 * what the suite actually sent. The response (status, headers, body) is streamed back
 * unchanged, which keeps SSE responses working.
 *
 * Never use this outside tests: it hands a credential to whoever can reach its port.
 * It listens on 127.0.0.1 only.
 *
 *   const proxy = await startAuthProxy({ target: 'http://127.0.0.1:8787', token: key });
 *   // proxy.port, proxy.url ('http://127.0.0.1:<port>'), await proxy.close()
 */
import { createServer, request as httpRequest } from 'node:http';

/**
 * @param {{ target: string, token: string, port?: number }} options
 *   `target`: origin of the Taskgate server (http only); `token`: the API key to add;
 *   `port`: where to listen on 127.0.0.1 (default 0, a free port).
 * @returns {Promise<{ port: number, url: string, close(): Promise<void> }>}
 */
export function startAuthProxy({ target, token, port = 0 }) {
  const upstream = new URL(target);
  if (upstream.protocol !== 'http:') throw new Error(`auth-proxy: target must be http://, got ${target}`);
  if (!token) throw new Error('auth-proxy: token is required');

  const server = createServer((req, res) => {
    const headers = forwardedHeaders(req.rawHeaders, token);
    const outgoing = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port || 80,
        method: req.method,
        path: req.url,
        headers,
        // The Host header is forwarded verbatim; never let Node derive one from `host`.
        setHost: false,
      },
      (incoming) => {
        res.writeHead(incoming.statusCode ?? 502, incoming.statusMessage, incoming.rawHeaders);
        incoming.pipe(res);
        incoming.on('error', () => res.destroy());
      },
    );
    outgoing.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'bad_gateway', message: `auth-proxy: ${error.message}` } }));
    });
    req.pipe(outgoing);
    req.on('error', () => outgoing.destroy());
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({
        port: actual,
        url: `http://127.0.0.1:${actual}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * The request's raw header list (names and values alternating, original case and order)
 * without any Authorization header the caller sent, plus ours.
 * @param {string[]} raw
 * @param {string} token
 * @returns {string[]}
 */
function forwardedHeaders(raw, token) {
  const headers = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'authorization') continue;
    headers.push(raw[i], raw[i + 1]);
  }
  headers.push('Authorization', `Bearer ${token}`);
  return headers;
}
