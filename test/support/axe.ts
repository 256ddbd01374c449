/**
 * Accessibility checks in the real browser: axe-core injected into a playwright page and run
 * against the rendered document. Injected through the DevTools protocol (`evaluate`), which
 * the page's CSP does not govern, so the pages are checked under their real headers.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: readonly string[];
}

/** Every axe violation (WCAG 2.x A and AA, and best practices) on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(`axe
    .run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    })
    .then((result) =>
      result.violations.map((v) => ({
        id: v.id,
        impact: v.impact ?? null,
        help: v.help,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    )`) as Promise<AxeViolation[]>;
}

/** Fails with the list of violations, one line each, when axe finds any. */
export async function expectAccessible(page: Page, label = page.url()): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    const lines = violations.map((v) => `  ${v.id} (${v.impact}): ${v.help} — ${v.targets.join(', ')}`);
    throw new Error(`axe found ${violations.length} violation(s) on ${label}:\n${lines.join('\n')}`);
  }
}
