import { mkdir } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on the PostgreSQL wire protocol on
 * 127.0.0.1, for machines where no PostgreSQL server answers. The postgres connector reaches it
 * exactly as it reaches a real server.
 */
export async function startEmbeddedPostgres(dataDir: string) {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 16 });
  await server.start();
  // The socket server does not report the port it was given by the system; its net.Server does.
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Whether a PostgreSQL server answers at `url` within two seconds. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
