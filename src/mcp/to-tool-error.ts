/**
 * The MCP edge's error mapper: an AppError becomes a tool result with `isError`, so the
 * model reads the public message (which names the missing scope, the bad field, or what
 * changed) and can correct itself. Never the internal detail.
 */
import type { AppError } from '../core/index.js';

export interface ToolErrorResult {
  [key: string]: unknown;
  isError: true;
  content: { type: 'text'; text: string }[];
}

export function toToolError(error: AppError): ToolErrorResult {
  const fields = error.fields.length
    ? `\n${error.fields.map((f) => `- ${f.field}: ${f.message}`).join('\n')}`
    : '';
  return {
    isError: true,
    content: [{ type: 'text', text: `${error.code}: ${error.publicMessage}${fields}` }],
  };
}
