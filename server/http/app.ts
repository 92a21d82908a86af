import { randomUUID } from 'node:crypto';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import DataLoader from 'dataloader';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { GraphQLSchema } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { pinoHttp } from 'pino-http';
import type { GatewayContext, GatewayServices } from '../../schema/context.js';
import { bearerToken, verifyToken } from '../auth/jwt.js';
import { AppError, isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createMaskError, toGraphQLError } from './error-masking.js';
import { exportRoute } from './export-route.js';
import { createMetrics } from './metrics.js';
import { useInputErrorCode } from './use-input-error-code.js';
import { useMetrics } from './use-metrics.js';

export interface AppDeps extends GatewayServices {
  logger: Logger;
  /** The schema for a new request; requests in flight keep the one they started with. */
  schema: () => Promise<GraphQLSchema>;
  /** Resolves when the catalogue database answers; rejects otherwise. */
  ping: () => Promise<void>;
}

type ServerContext = { req: Request; res: Response };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** Builds the express app (GraphQL, health, metrics) without listening, so tests drive it on port 0. */
export function buildApp(deps: AppDeps) {
  const { config, logger } = deps;
  const metrics = createMetrics(deps.records.sourceQueries);

  const maskError = createMaskError(logger);

  const yoga = createYoga<ServerContext, GatewayContext>({
    schema: () => deps.schema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: {
      title: 'Kho dữ liệu dùng chung — GraphQL',
      headers: JSON.stringify({ Authorization: 'Bearer <token from: npm run --silent token -- --sub me --dept cong-an --roles analyst>' }),
      defaultQuery: '{\n  datasets(search: "dan cu") {\n    totalCount\n    edges { node { id title department { name } classification } }\n  }\n}\n',
    },
    maskedErrors: { maskError: (error) => maskError(error) },
    logging: {
      debug: (...args) => logger.debug(args.map(String).join(' ')),
      info: (...args) => logger.info(args.map(String).join(' ')),
      warn: (...args) => logger.warn(args.map(String).join(' ')),
      error: (...args) => logger.error(args.map(String).join(' ')),
    },
    plugins: [
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
    ],
    context: async ({ request, req, res }): Promise<GatewayContext> => {
      let principal;
      try {
        principal = verifyToken(bearerToken(request.headers.get('authorization')), config.jwt);
      } catch (error) {
        throw isAppError(error) ? toGraphQLError(error) : error;
      }
      // One controller and timer per request, released when the response ends (AbortSignal.any
      // and AbortSignal.timeout cost far more per request on Node 20).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('operation timeout')), config.limits.operationTimeoutMs);
      res.once('close', () => {
        clearTimeout(timer);
        controller.abort(new Error('request finished'));
      });
      const signal = controller.signal;
      return {
        config,
        catalogue: deps.catalogue,
        records: deps.records,
        access: deps.access,
        auditLog: deps.auditLog,
        principal,
        log: req.log.child({ principal: principal.id, dept: principal.department }),
        signal,
        loaders: {
          department: new DataLoader(async (codes) => {
            const all = await deps.catalogue.listDepartments();
            return codes.map((code) => all.find((d) => d.code === code) ?? null);
          }),
          links: new Map(),
          reportedLinkErrors: new Set(),
        },
      };
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
    }),
  );
  app.use((req, res, next) => {
    res.on('finish', () => {
      const route = req.route?.path ?? (req.path.startsWith('/graphql') ? '/graphql' : 'other');
      metrics.httpRequests.inc({ method: req.method, route: String(route), status: String(res.statusCode) });
    });
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await Promise.race([deps.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'catalogue database does not answer' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/export/:file', exportRoute(config, deps.records));

  // The body is read here, within the size limit, and handed to yoga already read.
  app.all('/graphql', express.raw({ type: () => true, limit: config.limits.maxBodyBytes }), (req, res) => yoga(req, res, { req, res }));

  app.use((_req, res) => jsonError(res, 404, 'NOT_FOUND', 'No such endpoint.'));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status === 413) return jsonError(res, 413, 'BAD_USER_INPUT', `Request body larger than ${config.limits.maxBodyBytes} bytes.`);
    if (error instanceof AppError) return jsonError(res, error.status, error.code, error.message);
    if (status && status >= 400 && status < 500) return jsonError(res, status, 'BAD_USER_INPUT', 'Malformed request.');
    req.log.error({ err: error }, 'unhandled error');
    return jsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'Unexpected error.');
  });

  return { app, yoga, metrics };
}
