import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../server/logger.js';
import { resolveMongo } from '../server/mongo/resolve-mongo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    mongoKind: string;
  }
}

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * The console's end-to-end tests drive Debian's chromium. Where it is missing and the run may
 * install packages (root, as on CI and the project's machines), it is installed once, so that
 * `npm test` needs nothing done by hand; otherwise the message says what to install.
 */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`The console tests need Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
  process.stdout.write('installing Debian chromium for the console tests (once)\n');
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'], { stdio: 'inherit' });
}

/** One MongoDB for the whole run, from the same resolver as `npm start`; each test file uses its own database. */
export default async function setup(project: TestProject) {
  ensureChromium();
  const logger = createLogger(process.env['TEST_LOG_LEVEL'] ?? 'warn');
  const mongo = await resolveMongo(logger, process.env['MONGODB_URI'] ? { uri: process.env['MONGODB_URI'] } : {});
  process.stdout.write(`tests use MongoDB from ${mongo.kind}\n`);
  project.provide('mongoUri', mongo.uri);
  project.provide('mongoKind', mongo.kind);
  return async () => {
    await mongo.stop();
  };
}
