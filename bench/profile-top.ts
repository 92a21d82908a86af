import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { projectRoot } from '../server/paths.js';

/**
 * The top entries of a V8 CPU profile (`node --cpu-prof`, as `BENCH_CPU_PROF` makes the read
 * benchmark's gateway write): self time and inclusive time per function, as shares of the
 * samples that were not idle. Only the last `--last` seconds are counted (default: all), so the
 * start-up of the process does not hide the load.
 * Usage: tsx bench/profile-top.ts FILE.cpuprofile [--last SECONDS] [--top N]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : undefined;
};
const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (!file) throw new Error('usage: profile-top FILE.cpuprofile [--last SECONDS] [--top N]');
const lastSeconds = option('--last');
const top = option('--top') ?? 25;

const profile = JSON.parse(await readFile(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const where = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const path = url.startsWith('file://') ? relative(projectRoot, new URL(url).pathname) : url;
  return `${functionName || '(anonymous)'} ${path ? `${path.replace(/^node_modules\//, '')}:${lineNumber + 1}` : ''}`.trim();
};

// Sample times, to keep only the window at the end.
const times: number[] = [];
let t = profile.startTime;
for (const delta of profile.timeDeltas) times.push((t += delta));
const from = lastSeconds === undefined ? -Infinity : profile.endTime - lastSeconds * 1e6;

const self = new Map<string, number>();
/** Self time by package (node_modules/<name>) or by project folder: which layer the CPU goes to. */
const byLayer = new Map<string, number>();
const layerOf = (n: ProfileNode) => {
  const url = n.callFrame.url;
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  if (!url.startsWith('file://')) return 'node internals';
  const path = relative(projectRoot, new URL(url).pathname);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return pkg ? pkg[1]! : path.split('/').slice(0, 2).join('/');
};
const inclusive = new Map<string, number>();
let counted = 0;
profile.samples.forEach((id, i) => {
  if (times[i]! < from) return;
  const leaf = byId.get(id)!;
  if (leaf.callFrame.functionName === '(idle)') return;
  counted++;
  const leafKey = where(leaf);
  self.set(leafKey, (self.get(leafKey) ?? 0) + 1);
  const layer = layerOf(leaf);
  byLayer.set(layer, (byLayer.get(layer) ?? 0) + 1);
  const seen = new Set<string>();
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    const key = where(byId.get(n)!);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
  }
});

const print = (title: string, map: Map<string, number>) => {
  console.log(`${title} (share of ${counted} non-idle samples)`);
  for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${((100 * n) / counted).toFixed(1).padStart(5)} %  ${key}`);
};
console.log(`profile ${file}${lastSeconds === undefined ? '' : `, last ${lastSeconds} s`}`);
print('self time by layer', byLayer);
print('self time', self);
print('inclusive time', new Map([...inclusive].filter(([key]) => !key.startsWith('(root)'))));
