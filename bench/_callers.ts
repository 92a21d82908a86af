import { readFile } from 'node:fs/promises';
const [file, target] = process.argv.slice(2);
const p = JSON.parse(await readFile(file!, 'utf8'));
const byId = new Map(p.nodes.map((n: any) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map<string, number>();
for (const id of p.samples) {
  const n: any = byId.get(id);
  if (n.callFrame.functionName !== target) continue;
  const chain: string[] = [];
  for (let x = parent.get(id); x !== undefined && chain.length < 7; x = parent.get(x)) { const f: any = (byId.get(x) as any).callFrame; chain.push(`${f.functionName}@${f.url.split('/').slice(-2).join('/')}`); }
  const k = chain.join(' < ');
  counts.set(k, (counts.get(k) ?? 0) + 1);
}
for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(n, k);
