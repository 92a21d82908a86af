import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../logger.js';
import { mongodKnownUnavailable, rememberMongodUnavailable, startJavaMongo } from './java-server.js';

export type MongoKind = 'external' | 'mongodb-memory-server' | 'mongo-java-server';

export interface ResolvedMongo {
  uri: string;
  kind: MongoKind;
  stop(): Promise<void>;
}

export interface ResolveOptions {
  /** MONGODB_URI: used as is, nothing is started. */
  uri?: string;
  /** A folder for the local server's files; without it the local server keeps data in memory. */
  dataDir?: string;
}

/**
 * The one place that decides which MongoDB the gateway and the tests use: MONGODB_URI if set;
 * else a real mongod through mongodb-memory-server; else, where mongod cannot be obtained
 * (an offline machine), mongo-java-server. All three are reached through the same official
 * driver and the same code; the log says which one is in use.
 */
export async function resolveMongo(logger: Logger, options: ResolveOptions = {}): Promise<ResolvedMongo> {
  if (options.uri) {
    logger.info({ mongo: 'external' }, 'using MongoDB from MONGODB_URI');
    return { uri: options.uri, kind: 'external', stop: async () => {} };
  }
  const dataDir = options.dataDir ? resolve(options.dataDir) : undefined;
  if (dataDir) await mkdir(dataDir, { recursive: true });

  let unavailable = await mongodKnownUnavailable();
  if (!unavailable) {
    const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
    // The binary is fetched first and on its own: if it cannot be had, the library's server would
    // print a long stack trace before failing, which reads like a crash on an offline machine.
    const binary = await MongoBinary.getPath().catch((error: unknown) => {
      unavailable = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300);
      return undefined;
    });
    if (binary) {
      const instance = dataDir ? { ip: '127.0.0.1', dbPath: join(dataDir, 'mongod'), storageEngine: 'wiredTiger' as const } : { ip: '127.0.0.1' };
      if (instance.dbPath) await mkdir(instance.dbPath, { recursive: true });
      const server = await MongoMemoryServer.create({ instance, binary: { systemBinary: binary } });
      logger.info({ mongo: 'mongodb-memory-server', persistent: Boolean(dataDir) }, 'using a real mongod started by mongodb-memory-server');
      return { uri: server.getUri(), kind: 'mongodb-memory-server', stop: async () => void (await server.stop({ doCleanup: !dataDir })) };
    }
    await rememberMongodUnavailable(unavailable ?? 'unknown');
  }
  const file = dataDir ? join(dataDir, 'catalogue.mv') : undefined;
  const java = await startJavaMongo(logger, file ? { file } : {});
  logger.info(
    { mongo: 'mongo-java-server', persistent: Boolean(file), reason: unavailable },
    'mongod could not be downloaded; using the mongo-java-server fallback (no sessions, transactions or $text)',
  );
  return { uri: java.uri, kind: 'mongo-java-server', stop: java.stop };
}
