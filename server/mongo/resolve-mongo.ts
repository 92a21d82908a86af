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

  const knownUnavailable = await mongodKnownUnavailable();
  if (!knownUnavailable) {
    try {
      const { MongoMemoryServer } = await import('mongodb-memory-server-core');
      const instance = dataDir
        ? { ip: '127.0.0.1', dbPath: join(dataDir, 'mongod'), storageEngine: 'wiredTiger' as const }
        : { ip: '127.0.0.1' };
      if (instance.dbPath) await mkdir(instance.dbPath, { recursive: true });
      const server = await MongoMemoryServer.create({ instance });
      logger.info({ mongo: 'mongodb-memory-server', persistent: Boolean(dataDir) }, 'using a real mongod started by mongodb-memory-server');
      return { uri: server.getUri(), kind: 'mongodb-memory-server', stop: async () => void (await server.stop({ doCleanup: !dataDir })) };
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(0, 300);
      await rememberMongodUnavailable(reason);
      logger.warn({ reason }, 'mongod could not be obtained');
    }
  }
  const file = dataDir ? join(dataDir, 'catalogue.mv') : undefined;
  const java = await startJavaMongo(logger, file ? { file } : {});
  logger.info(
    { mongo: 'mongo-java-server', persistent: Boolean(file), reason: knownUnavailable ?? 'download failed' },
    'using mongo-java-server fallback (no sessions, transactions or $text)',
  );
  return { uri: java.uri, kind: 'mongo-java-server', stop: java.stop };
}
