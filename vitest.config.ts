import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // Node (npm start, tsx) loads graphql's CommonJS build for our code and for yoga alike; vite
  // would give our code the ES build (package.json "module") while yoga, left to Node, gets the
  // CommonJS one: two GraphQLError classes, and instanceof checks that hold in production fail
  // under test (yoga then left its internal extensions.http in answers).
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
