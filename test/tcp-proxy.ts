import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP relay in front of a real server. `pause()` stops relaying in both directions, so the
 * client sees a server that accepted its request and never answers: a hung source.
 */
export async function startTcpProxy(targetHost: string, targetPort: number) {
  const pairs = new Set<[Socket, Socket]>();
  let paused = false;
  const relay = ([a, b]: [Socket, Socket]) => {
    a.pipe(b);
    b.pipe(a);
  };
  const server = createServer((client) => {
    const upstream = createConnection(targetPort, targetHost);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (paused) client.pause();
    else relay(pair);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    pause() {
      paused = true;
      for (const [a, b] of pairs) {
        a.unpipe(b);
        b.unpipe(a);
        a.pause();
        b.pause();
      }
    },
    resume() {
      paused = false;
      for (const pair of pairs) {
        relay(pair);
        pair[0].resume();
        pair[1].resume();
      }
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
