/** Each benchmark owns one marked section of docs/benchmarks.md and rewrites only that. */
import { readFile, writeFile } from 'node:fs/promises';

/** Puts `section` between `<!-- name:begin -->` and `<!-- name:end -->` in `doc`, leaving the rest. */
export async function writeDocSection(doc, name, section) {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  let text = await readFile(doc, 'utf8').catch(() => '# Benchmarks\n');
  const block = `${begin}\n${section}\n${end}`;
  const at = text.indexOf(begin);
  const to = text.indexOf(end);
  text =
    at !== -1 && to > at
      ? text.slice(0, at) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  await writeFile(doc, text);
}
