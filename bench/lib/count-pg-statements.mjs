// Preload: counts every statement pg sends (Client.prototype.query), dumped to /tmp/taskgate-pg-statements-<pid>.json.

import { renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/`);
const pg = require('pg');
const counts = new Map();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  const text = typeof config === 'string' ? config : (config?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').slice(0, 90);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return original.call(this, config, ...rest);
};
const file = `/tmp/taskgate-pg-statements-${process.pid}.json`;
setInterval(() => {
  // Whole files only: the bench reads while this writes.
  writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(counts)));
  renameSync(`${file}.tmp`, file);
}, 300).unref();
