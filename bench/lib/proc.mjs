/**
 * What a server process costs, read from Linux's /proc: CPU time (all its threads: the audit
 * writer thread counts), resident memory, and the PostgreSQL backends serving its pool.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let ticksPerSecond;

/**
 * User + system CPU of process `pid` so far, in milliseconds (undefined once it is gone); with
 * `tid`, of that one thread (a process's main thread has its pid as its tid).
 */
export function cpuMs(pid, tid) {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  try {
    const stat = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces); utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** `pid` and its descendants (a cluster's workers), from /proc/<pid>/task/<tid>/children. */
export function processTree(pid) {
  const kids = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) kids.push(...text.split(' ').map(Number));
    }
  } catch {
    // gone meanwhile
  }
  return [pid, ...kids.flatMap(processTree)];
}

export const totalCpuMs = (pids) => pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);

export function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * Local TCP ports of `pid`'s connections to `remotePort` (its side of each PostgreSQL
 * connection), matched through the socket inodes of its file descriptors.
 */
export function localPortsTo(pid, remotePort) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (link.startsWith('socket:[')) inodes.add(link.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  const ports = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || !inodes.has(cols[9])) continue;
      const local = Number.parseInt(cols[1].split(':')[1], 16);
      const remote = Number.parseInt(cols[2].split(':')[1], 16);
      if (remote === remotePort) ports.push(local);
    }
  }
  return ports;
}
