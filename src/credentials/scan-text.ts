/**
 * Finds Taskgate API keys in a piece of text, for `taskgate scan` and pre-commit hooks.
 * A candidate counts only when its checksum is valid, so a mistyped or made-up key in docs
 * and tests is not reported. A key is found by its own structure anywhere in a line, as
 * written or with its escapes undone (`tg%5Fdev%5F…`, `Bearer%20…`, `\u005f`). Pure: no I/O.
 * SECURITY: a finding carries the key's display prefix, never the key itself.
 */
import type { Environment } from '../config/index.js';
import { decodeEscapes } from '../core/index.js';
import { API_KEY_PATTERN, displayPrefix, parseApiKey } from './api-key-format.js';

export interface KeyFinding {
  /** 1-based line number. */
  readonly line: number;
  /** `tg_prod_AbCd`: enough to find the key in `taskgate keys list`, useless to an attacker. */
  readonly prefix: string;
  readonly environment: Environment;
}

export function findKeysInText(text: string): KeyFinding[] {
  const findings: KeyFinding[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    for (const key of keysInLine(lines[index]!)) {
      const parsed = parseApiKey(key);
      if (!parsed.ok) continue;
      findings.push({ line: index + 1, prefix: displayPrefix(key), environment: parsed.value.environment });
    }
  }
  return findings;
}

/** Candidates as written, then those only the line with its escapes undone shows. */
function keysInLine(line: string): string[] {
  // matchAll copies the global pattern, so the shared constant's lastIndex never leaks between calls.
  const keys = Array.from(line.matchAll(API_KEY_PATTERN), (match) => match[0]);
  const decoded = decodeEscapes(line);
  if (!decoded) return keys;
  const seen = new Set(keys);
  for (const [key] of decoded.text.matchAll(API_KEY_PATTERN)) if (!seen.has(key)) keys.push(key);
  return keys;
}
