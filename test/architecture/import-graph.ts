import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIP = new Set(['node_modules', '.git', '.cache', '.data', 'dist']);

export interface ImportEdge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name) || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import between the project's TypeScript files, as paths from the repository root. */
export function projectImports(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(ROOT)) {
    for (const imported of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!imported.fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), imported.fileName).replace(/\.js$/, '.ts');
      edges.push({ from: relative(ROOT, file), to: relative(ROOT, target) });
    }
  }
  return edges;
}

/** The folder of `file` at `depth` path segments (`server/data/x.ts` at depth 2 is `server/data`); top-level files name themselves. */
export const folderOf = (file: string, depth: number): string => file.split('/').slice(0, Math.min(depth, file.split('/').length - 1)).join('/') || file;

/** Cycles of the folder graph, each as its folders in order with one file edge per step to show where it runs. */
export function folderCycles(edges: ImportEdge[], folder: (file: string) => string | null): string[][] {
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    const [a, b] = [folder(edge.from), folder(edge.to)];
    if (!a || !b || a === b) continue;
    if (!graph.has(a)) graph.set(a, new Map());
    if (!graph.get(a)!.has(b)) graph.get(a)!.set(b, edge);
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const [next, edge] of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next));
        cycles.push(loop.map((f, i) => {
          const to = loop[i + 1] ?? next;
          const via = graph.get(f)!.get(to) ?? edge;
          return `${f} → ${to} (${via.from} imports ${via.to})`;
        }));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
