/** MCP entry layer: the endpoint, the tool catalogue and its error mapper. */
export { createWriteSpecs, type McpServerExtension, toolsForRole } from './build-server.js';
export type { ToolDefinition } from './define-tool.js';
export { createMcpEndpoint, type McpEndpoint, type McpExchange } from './endpoint.js';
export { toToolError } from './to-tool-error.js';
export { TOOLS, WRITE_TOOLS } from './tools/index.js';
