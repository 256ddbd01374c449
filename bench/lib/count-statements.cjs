/**
 * A preload (`NODE_OPTIONS=--require …/count-statements.cjs`) that counts the SQL statements a
 * Taskgate process sends: better-sqlite3 statement runs and `exec` and pg `Client#query`, per thread
 * (the audit writer is a worker). Each thread writes its count to
 * `$TASKGATE_DATA_DIR/statements-<pid>-<thread>.json` every 100 ms, for a benchmark to read.
 */
const { renameSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { createRequire } = require('node:module');
const { threadId } = require('node:worker_threads');

const dir = process.env.TASKGATE_DATA_DIR;
if (dir) {
  const fromRoot = createRequire(join(process.cwd(), 'package.json'));
  let count = 0;
  const counted = (proto, name) => {
    const original = proto[name];
    proto[name] = function (...args) {
      count += 1;
      return original.apply(this, args);
    };
  };
  try {
    // Statements may be prepared once and cached: count runs, not preparations.
    const Database = fromRoot('better-sqlite3');
    const probe = new Database(':memory:');
    const statement = Object.getPrototypeOf(probe.prepare('select 1'));
    probe.close();
    for (const run of ['run', 'get', 'all', 'iterate']) counted(statement, run);
    counted(Database.prototype, 'exec');
  } catch {}
  try {
    counted(fromRoot('pg').Client.prototype, 'query');
  } catch {}
  const file = join(dir, `statements-${process.pid}-${threadId}.json`);
  setInterval(() => {
    // Written aside and renamed, so a reader never sees a half-written (empty) file.
    try {
      writeFileSync(`${file}.tmp`, String(count));
      renameSync(`${file}.tmp`, file);
    } catch {}
  }, 100).unref();
}
