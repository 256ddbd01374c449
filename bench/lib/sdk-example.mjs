/**
 * The yardstick: @modelcontextprotocol/sdk v1's examples/server/simpleStatelessStreamableHttp.js,
 * run as shipped in its own process (it hardcodes port 3000 and listens on every interface).
 */
import { join } from 'node:path';
import { fail, startChild } from './children.mjs';
import { portOpen, waitForPort } from './net.mjs';

/** Hardcoded in the SDK example (`const PORT = 3000`, no env variable). */
export const SDK_EXAMPLE_PORT = 3000;
export const SDK_EXAMPLE_URL = `http://127.0.0.1:${SDK_EXAMPLE_PORT}/mcp`;
const rpc = (method, params) => JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
/** Its `tools/call` (the only tool: one logging notification, a 0 ms timer, a text result). */
export const SDK_TOOL_BODY = rpc('tools/call', {
  name: 'start-notification-stream',
  arguments: { interval: 0, count: 1 },
});
/** Its `resources/read` of the static greeting: the faster of its two calls. */
export const SDK_RESOURCE_BODY = rpc('resources/read', { uri: 'https://example.com/greetings/default' });

/** Starts the example; resolves with the child once port 3000 answers. */
export async function startSdkExample(root) {
  if (await portOpen(SDK_EXAMPLE_PORT))
    fail(`port ${SDK_EXAMPLE_PORT} is in use; the SDK example hardcodes it — free it and rerun`);
  const script = join(
    root,
    'node_modules/@modelcontextprotocol/sdk/dist/esm/examples/server/simpleStatelessStreamableHttp.js',
  );
  // stdout is the example's own per-request `console.log('Request closed')`: discard it.
  const child = startChild(process.execPath, [script], { cwd: root, stdout: 'ignore' });
  await waitForPort(SDK_EXAMPLE_PORT, child, 'the SDK example');
  return child;
}
