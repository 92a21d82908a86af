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
  let k = '?';
  for (let x = parent.get(id); x !== undefined; x = parent.get(x)) { const f: any = (byId.get(x) as any).callFrame; if (/server\/|schema\//.test(f.url) || /collection\.js/.test(f.url)) { k = `${f.functionName}@${f.url.split('/').slice(-2).join('/')}`; break; } }
  counts.set(k, (counts.get(k) ?? 0) + 1);
}
for (const [k, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(n, k);
