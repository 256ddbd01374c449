/** Ports and packages the benchmarks need: is a port taken, wait for one, pick a free one. */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fail } from './children.mjs';

export function portOpen(port) {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Waits for `child` to listen on `port` (for servers that print nothing usable). */
export async function waitForPort(port, child, name) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`${name} exited (${child.exitCode}):\n${child.stderrTail()}`);
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`${name} did not listen on ${port} within 15 s`);
}

/** A port nothing listens on right now (the OS picks it), for a server timed from its spawn. */
export function freePort() {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

export function pkgVersion(root, name) {
  try {
    // Read the file directly: some packages do not export ./package.json.
    return JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}
