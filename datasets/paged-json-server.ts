import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A department's REST/JSON API as the samples and tests need one: `GET <path>?limit=N&cursor=C`
 * answers `{ "items": [...], "next": "<path>?limit=N&cursor=…" | null }`. It stands in for a
 * department system; the gateway reaches it only through the http-json connector.
 */
export async function startPagedJsonServer(routes: Record<string, Record<string, unknown>[]>, port = 0) {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rows = routes[url.pathname];
    if (req.method !== 'GET' || !rows) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 100) || 100, 1), 500);
    const offset = Math.max(Number(url.searchParams.get('cursor') ?? 0) || 0, 0);
    const items = rows.slice(offset, offset + limit);
    const next = offset + limit < rows.length ? `${url.pathname}?limit=${limit}&cursor=${offset + limit}` : null;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ items, next }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
