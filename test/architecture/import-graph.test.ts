import { describe, expect, it } from 'vitest';
import { folderCycles, folderOf, projectImports, type ImportEdge } from './import-graph.js';

/**
 * The composition root wires every layer together (the typed schema, the sample environment),
 * so it alone may import from anywhere; entry commands likewise. Tests and benchmarks are
 * leaves that nothing imports.
 */
const COMPOSITION_ROOT = new Set(['server/main.ts', 'server/gateway.ts']);
const ENTRY_COMMANDS = new Set(['server/token-command.ts']);
const LEAVES = ['test/', 'bench/'];

const edges = projectImports();
const product = edges.filter((e) => !COMPOSITION_ROOT.has(e.from) && !LEAVES.some((leaf) => e.from.startsWith(leaf)));
const show = (list: ImportEdge[]) => list.map((e) => `${e.from} imports ${e.to}`);

describe('the dependency graph', () => {
  it('reads the imports it judges', () => {
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((e) => e.from === 'server/gateway.ts' && e.to.startsWith('schema/'))).toBe(true);
  });

  it('has no cycle between top-level folders', () => {
    expect(folderCycles(product, (file) => folderOf(file, 1))).toEqual([]);
  });

  it('keeps connectors free of everything outside connectors/', () => {
    expect(show(edges.filter((e) => e.from.startsWith('connectors/') && !e.to.startsWith('connectors/')))).toEqual([]);
  });

  it('keeps the server root modules (config, errors, logging, paging) a base that imports none of the server folders', () => {
    const base = product.filter((e) => /^server\/[^/]+\.ts$/.test(e.from) && !ENTRY_COMMANDS.has(e.from));
    expect(show(base.filter((e) => /^server\/[^/]+\//.test(e.to)))).toEqual([]);
  });

  it('has no cycle between the folders of server/ (catalogue, governance, audit, data, http, auth, mongo)', () => {
    const inServer = (file: string) => (/^server\/[^/]+\//.test(file) ? folderOf(file, 2) : null);
    expect(folderCycles(product, inServer)).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const cycles = folderCycles(
      [
        { from: 'a/x.ts', to: 'b/y.ts' },
        { from: 'b/y.ts', to: 'c/z.ts' },
        { from: 'c/z.ts', to: 'a/w.ts' },
      ],
      (file) => folderOf(file, 1),
    );
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toEqual(['a → b (a/x.ts imports b/y.ts)', 'b → c (b/y.ts imports c/z.ts)', 'c → a (c/z.ts imports a/w.ts)']);
  });
});
