// Loaded with `node --import` (through NODE_OPTIONS, so vitest's worker processes load it
// too) into the CLI processes that the safety tests start. Driven by environment variables:
//   MC_HOOKS_LOG      append one JSON line per outgoing TCP connect, DNS lookup, and (at exit)
//                     the process's peak memory, to this file
//   MC_HOOKS_HOSTS    JSON {"host": "ip"}: answer DNS lookups of these hosts locally, so a
//                     test can pose as a real-service host on 127.0.0.1 without DNS
//   MC_HOOKS_NOW_MS   freeze Date.now() at this instant (same clock, same generated requests)
// Plain JavaScript: it runs before any TypeScript tooling in the child process.
import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';
import { syncBuiltinESMExports } from 'node:module';

const logFile = process.env.MC_HOOKS_LOG;
const hosts = JSON.parse(process.env.MC_HOOKS_HOSTS || '{}');
const frozenNow = process.env.MC_HOOKS_NOW_MS;

function record(entry) {
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ pid: process.pid, ...entry })}\n`);
}

function connectTarget(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first && typeof first === 'object') return { host: first.host ?? first.path ?? 'localhost', port: first.port };
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { host: first };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  record({ kind: 'connect', ...connectTarget(args) });
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  record({ kind: 'dns', host: hostname });
  const cb = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? {} : typeof options === 'number' ? { family: options } : (options ?? {});
  const mapped = hosts[String(hostname).toLowerCase()];
  if (mapped !== undefined) {
    const family = net.isIP(mapped);
    process.nextTick(() => (opts.all ? cb(null, [{ address: mapped, family }]) : cb(null, mapped, family)));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function (hostname, ...rest) {
  record({ kind: 'dns', host: hostname });
  return promisesLookup.call(this, hostname, ...rest);
};
for (const name of ['resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  const original = dns[name];
  dns[name] = function (hostname, ...rest) {
    record({ kind: 'dns', host: hostname });
    return original.call(this, hostname, ...rest);
  };
}
syncBuiltinESMExports();

if (frozenNow !== undefined) {
  const now = Number(frozenNow);
  Date.now = () => now;
}

process.on('exit', () => record({ kind: 'memory', maxRssKb: process.resourceUsage().maxRSS }));
