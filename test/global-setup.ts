import type { TestProject } from 'vitest/node';
import { createLogger } from '../server/logger.js';
import { resolveMongo } from '../server/mongo/resolve-mongo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    mongoKind: string;
  }
}

/** One MongoDB for the whole run, from the same resolver as `npm start`; each test file uses its own database. */
export default async function setup(project: TestProject) {
  const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'warn');
  const mongo = await resolveMongo(logger, process.env['MONGODB_URI'] ? { uri: process.env['MONGODB_URI'] } : {});
  process.stdout.write(`tests use MongoDB from ${mongo.kind}\n`);
  project.provide('mongoUri', mongo.uri);
  project.provide('mongoKind', mongo.kind);
  return async () => {
    await mongo.stop();
  };
}
