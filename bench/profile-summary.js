#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and inclusive time per function, top N.
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.js FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const top = Number(topArg ?? 25);
process.stdout.on('error', () => process.exit(0)); // a closed pipe (`| head`) ends the listing
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfTicks = new Map();
for (const id of profile.samples) selfTicks.set(id, (selfTicks.get(id) ?? 0) + 1);
const total = profile.samples.length;
const label = (n) => {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};

const self = new Map();
const inclusive = new Map();
for (const [id, ticks] of selfTicks) {
  const name = label(byId.get(id));
  self.set(name, (self.get(name) ?? 0) + ticks);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at));
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + ticks);
  }
}
const print = (title, map) => {
  process.stdout.write(`\n${title} (of ${total} samples)\n`);
  for (const [name, ticks] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((ticks / total) * 100).toFixed(1).padStart(6)}%  ${name}\n`);
  }
};
print('self', self);
print('inclusive', inclusive);
