#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. `node bench/mcp-throughput.mjs
 * --only taskgate --cpu-prof .cache/prof`): the top functions by self time, self time per
 * file/package, and inclusive (total) time of the functions whose name matches --focus.
 *
 *   node bench/cpuprofile-top.mjs <file.cpuprofile> [--top 30] [--focus regex]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, focus: { type: 'string' } },
});
if (positionals.length !== 1) {
  process.stderr.write('usage: node bench/cpuprofile-top.mjs <file.cpuprofile> [--top 30] [--focus regex]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const top = Number(values.top);

// Self time per node: each sample is attributed to the node on top of the stack.
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const where = (cf) => {
  const url = cf.url.replace(/^file:\/\//, '');
  const short = url.includes('node_modules/')
    ? url.slice(url.lastIndexOf('node_modules/') + 'node_modules/'.length)
    : url.replace(/^.*\/(dist|src|bench)\//, '$1/');
  return `${short || '(native)'}:${cf.lineNumber + 1}`;
};
const fileOf = (cf) => {
  const url = cf.url.replace(/^file:\/\//, '');
  if (!url) return `(${cf.functionName || 'native'})`;
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return url.replace(/^.*\/(dist|src|bench)\//, '$1/');
};

const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const cf = nodes.get(id).callFrame;
  const key = `${cf.functionName || '(anonymous)'}  ${where(cf)}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byFile.set(fileOf(cf), (byFile.get(fileOf(cf)) ?? 0) + us);
}
const pct = (us) =>
  `${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
const print = (title, map, n) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n))
    process.stdout.write(`${pct(us)}  ${k}\n`);
};

process.stdout.write(`profile: ${(totalUs / 1e6).toFixed(2)} s sampled, ${profile.samples.length} samples\n`);
print(`top ${top} functions by self time`, byFunction, top);
print(`self time by file / package (top ${top})`, byFile, top);

if (values.focus) {
  // Inclusive time: a sample counts once for every distinct matching function on its stack.
  const re = new RegExp(values.focus);
  const inclusive = new Map();
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const cf = nodes.get(at).callFrame;
      const key = `${cf.functionName || '(anonymous)'}  ${where(cf)}`;
      if (!seen.has(key) && re.test(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
    }
  }
  print(`inclusive time of functions matching /${values.focus}/`, inclusive, top);
}
