/**
 * Finds Taskgate API keys in a piece of text, for `taskgate scan` and pre-commit hooks.
 * A candidate counts only when its checksum is valid, so a mistyped or made-up key in docs
 * and tests is not reported. Pure: no I/O.
 * SECURITY: a finding carries the key's display prefix, never the key itself.
 */
import type { Environment } from '../config/index.js';
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
    // matchAll copies the global pattern, so the shared constant's lastIndex never leaks between calls.
    for (const match of lines[index]!.matchAll(API_KEY_PATTERN)) {
      const parsed = parseApiKey(match[0]);
      if (!parsed.ok) continue;
      findings.push({
        line: index + 1,
        prefix: displayPrefix(match[0]),
        environment: parsed.value.environment,
      });
    }
  }
  return findings;
}
