import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { pinoHttp } from 'pino-http';
import type { GatewayContext, GatewayServices } from './context.js';
import { bearerToken, createBearerVerifier } from '../auth/jwt.js';
import { badInput, errorResponse, isAppError, notFound, unauthenticated } from '../errors.js';
import { logSerializers, type Logger } from '../logger.js';
import { createMaskError, toGraphQLError } from './error-masking.js';
import { exportRoute } from './export-route.js';
import { answerDirectly, plainOperation, takesDirectPath, type ServerContext } from './graphql-direct.js';
import { useAuthenticateFirst } from './use-authenticate-first.js';
import { createLoaders } from './loaders.js';
import { createMetrics } from './metrics.js';
import { useCompiledExecution } from './use-compiled-execution.js';
import { CSRF_HEADERS, useCsrfPrevention } from './use-csrf-prevention.js';
import { useErrorLog, yogaLogging } from './use-error-log.js';
import { useInputErrorCode } from './use-input-error-code.js';
import { liveSchema } from './use-live-schema.js';
import { BodyRefused, bodyRefusal, readRequestBody } from './request-body.js';
import { useMetrics } from './use-metrics.js';
import { useWellFormedInput } from './use-well-formed-input.js';

export interface AppDeps extends GatewayServices {
  logger: Logger;
  /** The schema for a new request; requests in flight keep the one they started with. */
  schema: () => Promise<GraphQLSchema>;
  /** Resolves when the catalogue database answers; rejects otherwise. */
  ping: () => Promise<void>;
  /** Whether every published dataset has its typed part; one left out degrades, never stops, the API. */
  schemaStatus: () => { ok: boolean; leftOut: unknown[] };
  /** The web console's routes (pages, sign-in, assets) and the GraphiQL page built from its assets. */
  console?: { router: express.Router; renderGraphiQL: (options?: { defaultQuery?: string }) => string };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Written with node's own response API: the direct GraphQL path answers without express. */
function sendError(res: ServerResponse, error: unknown, status?: number): void {
  const answer = errorResponse(error, status);
  const body = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** Answers hold data under the caller's rights, and GraphiQL's page holds a token: never cached, sniffed or framed by another site. */
function setGraphqlHeaders(res: ServerResponse): void {
  // Whether CORS headers are sent depends on the Origin: caches must not mix the answers.
  res.setHeader('vary', 'Origin');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('content-security-policy', "frame-ancestors 'none'");
}

/** Compares digests, so neither the token's content nor its length shows in the time taken. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Builds the gateway's HTTP request listener (GraphQL, health, metrics, export, console) without
 * listening, so tests drive it on port 0. Plain GraphQL POSTs are answered before express, by the
 * direct path; every other request goes through the express app.
 */
export function buildApp(deps: AppDeps) {
  const { config, logger } = deps;
  // Per-dataset figures name datasets (drafts too): only behind the metrics token.
  const metrics = createMetrics(deps.records.sourceQueries, { perDataset: Boolean(config.metricsToken) });

  // Errors already logged (with their operation, by useErrorLog), so masking and yoga log each once.
  const loggedErrors = new WeakSet<object>();
  const maskError = createMaskError(logger, loggedErrors);
  const corsOrigins = new Set(config.corsOrigins);
  const verifyBearer = createBearerVerifier(config);

  const schema = liveSchema(deps.schema);
  const yoga = createYoga<ServerContext, GatewayContext>({
    graphqlEndpoint: '/graphql',
    landingPage: false,
    ...(deps.console ? { renderGraphiQL: deps.console.renderGraphiQL } : {}),
    graphiql: {
      title: 'Kho dữ liệu dùng chung — GraphQL',
      headers: JSON.stringify({ Authorization: 'Bearer <token from: npm run --silent token -- --sub me --dept cong-an --roles analyst>' }),
      defaultQuery: '{\n  datasets(search: "dan cu") {\n    totalCount\n    edges { node { id title department { name } classification } }\n  }\n}\n',
    },
    maskedErrors: { maskError: (error) => maskError(error), isDev: false },
    // readRequestBody reads the body within config.limits.maxBodyBytes before yoga sees it; yoga's own
    // limit would pipe that body again through a counting stream on every request.
    maxRequestBodySize: false,
    logging: yogaLogging(logger, loggedErrors),
    // Only configured origins, and without credentials: the API authenticates by a Bearer
    // header, never by cookies. Other origins get no CORS headers at all (a preflight is
    // answered 204 without them, which the browser reads as a refusal).
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !corsOrigins.has(origin)) return false;
      return {
        origin,
        credentials: false,
        methods: ['GET', 'POST'],
        allowedHeaders: ['authorization', 'content-type', 'x-request-id', ...CSRF_HEADERS.filter((h) => h !== 'authorization')],
        exposedHeaders: ['x-request-id'],
        maxAge: 600,
      };
    },
    plugins: [
      useAuthenticateFirst(verifyBearer),
      schema.plugin,
      useCsrfPrevention(),
      useWellFormedInput(),
      EnvelopArmorPlugin({
        maxDepth: { n: config.limits.maxDepth, ignoreIntrospection: true },
        maxAliases: { n: config.limits.maxAliases },
        costLimit: { maxCost: config.limits.maxCost, ignoreIntrospection: true },
        maxTokens: { n: config.limits.maxTokens },
        maxDirectives: { n: 20 },
        blockFieldSuggestion: { enabled: config.nodeEnv === 'production' },
      }),
      useInputErrorCode(),
      useMetrics(metrics),
      useErrorLog(loggedErrors),
      useCompiledExecution(),
    ],
    context: async ({ request, req, res }): Promise<GatewayContext> => {
      let principal;
      try {
        principal = await verifyBearer(bearerToken(request.headers.get('authorization')));
      } catch (error) {
        throw isAppError(error) ? toGraphQLError(error) : error;
      }
      // One controller and timer per request, released when the response ends (AbortSignal.any
      // and AbortSignal.timeout cost far more per request on Node 20). It aborts only if the
      // client left before the answer was sent: an abort builds and dispatches an event, for
      // nothing once the answer is out.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('operation timeout')), config.limits.operationTimeoutMs);
      res.once('close', () => {
        clearTimeout(timer);
        if (!res.writableFinished) controller.abort(new Error('client went away'));
      });
      const signal = controller.signal;
      return {
        config,
        catalogue: deps.catalogue,
        records: deps.records,
        health: deps.health,
        access: deps.access,
        auditLog: deps.auditLog,
        principal,
        // Not a child with the principal's fields: envelop copies the context, so even a lazy one
        // was made for every request, and it cost 1.5 % of a read by key. Who logs adds them.
        log: req.log,
        signal,
        loaders: createLoaders(deps, principal),
      };
    },
  });

  const httpLogger = pinoHttp({
    logger,
    // Ours, unwrapped: pino-http's own would log the query string and every header.
    serializers: logSerializers,
    wrapSerializers: false,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
  });
  const countRequest = (method: string | undefined, res: ServerResponse, route: () => string) =>
    res.on('finish', () => metrics.httpRequests.inc({ method: method ?? 'unknown', route: route(), status: String(res.statusCode) }));

  /**
   * GraphQL over HTTP, on both paths: the body read within the size limit, then the operation
   * answered, by yoga's pipeline directly when `direct` (the request's headers allow it) and the
   * body is a plain operation, else by yoga's whole handler.
   */
  const serveGraphql = (req: IncomingMessage, res: ServerResponse, direct: boolean): void => {
    // Before the body is read, so that refusals of the body carry them too.
    setGraphqlHeaders(res);
    // A client that hangs up mid-body is logged as refused (400), not as the 200 a response
    // starts with: prepended, this runs before the response's own close, which writes the log line.
    const brokenOff = () => {
      if (!req.complete) res.statusCode = 400;
    };
    req.socket.prependListener('close', brokenOff);
    readRequestBody(req, config.limits.maxBodyBytes)
      .finally(() => req.socket.off('close', brokenOff))
      .then(
        (body) => answerGraphql(req, res, body, direct),
        (error: unknown) => {
          if (!(error instanceof BodyRefused)) throw error;
          // What is left of the body is not read: the connection closes after the answer.
          res.setHeader('connection', 'close');
          sendError(res, error.refusal, error.status);
        },
      )
      .catch((error: unknown) => unhandled(error, req, res));
  };

  const answerGraphql = (req: IncomingMessage & { body?: unknown }, res: ServerResponse, body: Buffer | undefined, direct: boolean): Promise<void> | void => {
    // An empty body (Content-Length: 0) leaves an empty buffer, which yoga takes for no body and
    // then waits for the stream that has already been read: the request hung.
    if (req.method === 'POST' && (!Buffer.isBuffer(body) || body.length === 0)) {
      return sendError(res, badInput('The request has no body: send the operation as JSON, {"query": "…"}.'), 400);
    }
    const operation = direct && Buffer.isBuffer(body) ? plainOperation(body) : null;
    if (operation) return answerDirectly(yoga, schema.prepare, operation, req, res, maskError);
    // Yoga's node adapter reads a body already read from `req.body`.
    req.body = body;
    return yoga(req, res, { req, res });
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(httpLogger);
  app.use((req, res, next) => {
    countRequest(req.method, res, () => String(req.route?.path ?? (req.path.startsWith('/graphql') ? '/graphql' : 'other')));
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await Promise.race([deps.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
      const schema = deps.schemaStatus();
      // Still ready to serve: only the left-out datasets' typed fields are missing. No ids here, this answers anyone.
      if (schema.ok) res.json({ status: 'ready' });
      else res.json({ status: 'degraded', reason: `${schema.leftOut.length} published dataset(s) left out of the typed data schema; their health says why` });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'catalogue database does not answer' });
    }
  });
  app.get('/metrics', async (req, res) => {
    if (config.metricsToken) {
      const given = /^Bearer (\S+)$/.exec(req.headers.authorization?.trim() ?? '')?.[1];
      if (!given || !sameSecret(given, config.metricsToken)) {
        res.setHeader('www-authenticate', 'Bearer realm="metrics"');
        return sendError(res, unauthenticated('Metrics need Authorization: Bearer <METRICS_TOKEN>.'));
      }
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // express answers HEAD with the GET handler, which would run (and audit) a whole read for no body.
  app.head('/export/:file', (_req, res) => {
    res.setHeader('allow', 'GET');
    res.status(405).end();
  });
  app.get('/export/:file', exportRoute(config, deps.records, verifyBearer));

  // The body is read here, within the size limit, and handed to yoga already read.
  app.all('/graphql', (req, res) => serveGraphql(req, res, false));

  if (deps.console) app.use(deps.console.router);

  app.use((_req, res) => sendError(res, notFound('No such endpoint.')));
  /** The last answer to what went wrong; never throws, since nothing would catch it. */
  const unhandled = (error: unknown, req: IncomingMessage, res: ServerResponse): void => {
    if (!isAppError(error)) req.log.error({ err: error }, 'unhandled error');
    // Part of an answer is out: the client must not take it for a whole one.
    if (res.headersSent) return void res.destroy();
    sendError(res, error);
  };
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const refused = bodyRefusal(error, config.limits.maxBodyBytes);
    return refused ? sendError(res, refused.refusal, refused.status) : unhandled(error, req, res);
  });

  /**
   * Plain GraphQL POSTs skip express: its router, middleware chain and response helpers cost a
   * fifth of a read by key. They keep what express gave them: the access log and request id
   * (the same pino-http), the request count, the body limit and its answers, the headers.
   */
  const requestListener: RequestListener = (req, res) => {
    if (!takesDirectPath(req)) {
      app(req, res);
      return;
    }
    httpLogger(req, res);
    countRequest(req.method, res, () => '/graphql');
    serveGraphql(req, res, true);
  };

  return { requestListener, yoga, metrics };
}
