/**
 * `npm run bench [-- name…]`: runs the benchmarks and prints their figures. Not a test: the
 * figures depend on the machine and are reported, not asserted.
 */
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  catalogue: () => import('./catalogue-search.js'),
  data: () => import('./data-queries.js'),
  audit: () => import('./audit.js'),
  hostile: () => import('./hostile-load.js'),
  read: () => import('./read-path.js'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  const load = benches[name];
  if (!load) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n# ${name}`);
  await (await load()).run();
}
process.exit(0);
