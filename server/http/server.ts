import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * The gateway's HTTP server around its request listener, not yet listening. A client has
 * `requestTimeoutMs` (REQUEST_TIMEOUT_MS) to send a whole request, headers and body: a request
 * body is at most MAX_BODY_BYTES, so a slower sender is cut with 408 rather than holding its
 * connection for Node's default of five minutes. Answers (an export) may take longer.
 */
export function createGatewayServer(listener: RequestListener, requestTimeoutMs: number): Server {
  return createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      // Node checks the deadlines this often (30 s by default), so a deadline holds to within it.
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs / 4),
    },
    listener,
  );
}
