/**
 * What the benchmarks share: child processes that announce readiness with a JSON line, CLI
 * calls answering JSON, waiting for in-flight work to land, and the bench's own messages.
 */
import { spawn } from 'node:child_process';

/** Spawns a child; `ready` resolves with the first complete JSON document on its stdout. */
export function startChild(command, args, { cwd, env = process.env, stdout = 'pipe' }) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', stdout, 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk) => {
    err = (err + chunk).slice(-4000);
  });
  child.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  child.stderrTail = () => err;
  if (stdout === 'pipe') {
    child.ready = new Promise((resolveReady, reject) => {
      let out = '';
      let isReady = false;
      child.stdout.on('data', (chunk) => {
        if (isReady) return; // keep draining
        out += chunk;
        try {
          const parsed = JSON.parse(out);
          isReady = true;
          resolveReady(parsed);
        } catch {
          // not a whole document yet
        }
      });
      child.exited.then(({ code }) => {
        if (!isReady) reject(new Error(`${args.join(' ')} exited (${code}) before it was ready:\n${err}`));
      });
    });
  }
  return child;
}

export async function stop(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(timer);
}

export function runJson(command, args, options) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args.slice(1, 3).join(' ')} failed (${code}): ${err}`));
      try {
        resolveRun(JSON.parse(out));
      } catch {
        reject(new Error(`${args.slice(1, 3).join(' ')}: output is not JSON`));
      }
    });
  });
}

/**
 * Polls `count` (sync or async) until it stays the same for a second (requests still in
 * flight have landed).
 */
export async function settled(count) {
  const deadline = Date.now() + 30_000;
  let last = await count();
  let stableSince = Date.now();
  while (Date.now() - stableSince < 1000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await count();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
  return last;
}

export function expect(ok, message) {
  if (!ok) throw new Error(`check failed: ${message}`);
}

export function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

export function log(message) {
  process.stderr.write(`bench: ${message}\n`);
}

/** A flag that must be a positive whole number (`--events 1e6` is refused, not read as 1). */
export function positiveInteger(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail(`--${name}: must be a positive whole number`);
  return n;
}

/** --rounds, --duration and --warmup (seconds) of a bench that interleaves rounds of cells. */
export function roundSettings(values) {
  const settings = {
    rounds: positiveInteger(values.rounds, 'rounds'),
    duration: positiveInteger(values.duration, 'duration'),
    warmup: Number(values.warmup),
  };
  if (!(settings.warmup >= 0)) fail('--warmup: must be a number of seconds');
  return settings;
}

/**
 * Stops every server in `targets` (filled in as they start; a Taskgate target drops its
 * database too) when the returned function is called, and on Ctrl+C.
 */
export function stopsTargets(targets) {
  const cleanup = async () => {
    for (const t of Object.values(targets))
      await (t.close ? t.close() : stop(t.child)).catch(() => undefined);
  };
  process.once('SIGINT', () => cleanup().then(() => process.exit(130)));
  return cleanup;
}

/** What a benchmark cell keeps of an autocannon run: req/s, p50/p99 (ms) and failed answers. */
export function loadSummary(result) {
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
  };
}
