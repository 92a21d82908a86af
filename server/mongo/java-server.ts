import { spawn, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Logger } from '../logger.js';
import { projectRoot } from '../paths.js';

const run = promisify(execFile);
const toolDir = join(projectRoot, 'tools', 'mongo-java-server');
const cacheDir = join(projectRoot, '.cache', 'mongo-java-server');

export interface JavaMongo {
  uri: string;
  stop(): Promise<void>;
}

async function stampOf(files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) hash.update(await readFile(file));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Fetches the jars with Maven and compiles the launcher, once per version of the pom and
 * launcher. The result is built in a temporary folder and renamed into place, so two processes
 * preparing at once never see half a cache.
 */
async function prepare(logger: Logger): Promise<string> {
  const pom = join(toolDir, 'pom.xml');
  const launcher = join(toolDir, 'Launcher.java');
  const stamp = await stampOf([pom, launcher]);
  const target = join(cacheDir, stamp);
  try {
    if ((await readdir(join(target, 'lib'))).length > 0) return target;
  } catch {
    // Not prepared yet.
  }
  logger.info({ cache: target }, 'fetching mongo-java-server from Maven Central (first run only)');
  const building = `${target}.${process.pid}.tmp`;
  await rm(building, { recursive: true, force: true });
  await mkdir(join(building, 'classes'), { recursive: true });
  await run('mvn', ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', `-DoutputDirectory=${join(building, 'lib')}`], { maxBuffer: 16 << 20 });
  await run('javac', ['-cp', `${join(building, 'lib')}/*`, '-d', join(building, 'classes'), launcher]);
  try {
    await rename(building, target);
  } catch {
    // Another process won the race; its copy is identical.
    await rm(building, { recursive: true, force: true });
  }
  return target;
}

/**
 * Starts mongo-java-server on 127.0.0.1 and a free port. With `file`, data persists in an H2
 * MVStore file; without, it lives in memory. The child ends when our stdin pipe closes.
 */
export async function startJavaMongo(logger: Logger, options: { file?: string } = {}): Promise<JavaMongo> {
  const home = await prepare(logger);
  const args = ['-Xss1m', '-cp', `${join(home, 'lib')}/*:${join(home, 'classes')}`, 'Launcher'];
  if (options.file) args.push('--file', options.file);
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mongo-java-server did not start within 60 s')), 60_000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^LISTENING (\S+)$/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mongo-java-server exited with code ${code}: ${stderr.trim()}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    uri: `mongodb://${address}/?directConnection=true`,
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Remembers for a day that mongod could not be downloaded, so each start does not wait for it. */
export async function rememberMongodUnavailable(reason: string): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  await writeFile(join(cacheDir, 'mongod-unavailable.json'), JSON.stringify({ at: Date.now(), reason }));
}

export async function mongodKnownUnavailable(): Promise<string | undefined> {
  try {
    const { at, reason } = JSON.parse(await readFile(join(cacheDir, 'mongod-unavailable.json'), 'utf8')) as { at: number; reason: string };
    return Date.now() - at < 24 * 3600_000 ? reason : undefined;
  } catch {
    return undefined;
  }
}
