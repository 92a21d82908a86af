import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLError } from 'graphql';
import { processRegularResult, type GraphQLParams, type YogaServerInstance } from 'graphql-yoga';
import type { GatewayContext } from './context.js';

/** What the gateway's GraphQL server sees of the HTTP exchange: node's own, on both paths. */
export type ServerContext = { req: IncomingMessage; res: ServerResponse };
type Yoga = YogaServerInstance<ServerContext, GatewayContext>;

/** `*∕*` or `application/json`, alone and in UTF-8: the answer yoga would give is then plain JSON. */
const PLAIN_ACCEPT = /^\s*(?:\*\/\*|application\/json)\s*(?:;\s*charset=utf-8\s*)?$/i;
/** Lower case only, as yoga's JSON parser matches it: any other spelling gets yoga's answer (415). */
const JSON_TYPE = /^application\/json(?:; ?charset=utf-8)?$/;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Whether a request may take the direct path, from its line and headers alone (the body is not
 * read yet): a POST to the endpoint itself, with no Origin (so no CORS answer to give), a UTF-8
 * JSON body and a plain JSON Accept. Everything else (GET, GraphiQL's page, CORS, other media
 * types, `/graphql/`, a query string) goes through express and yoga's whole handler; so does,
 * without express, a request of the direct path whose body is not a plain operation.
 */
export function takesDirectPath(req: Pick<IncomingMessage, 'method' | 'url' | 'headers'>): boolean {
  if (req.method !== 'POST' || req.url !== '/graphql' || req.headers.origin !== undefined) return false;
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) return false;
  const accept = req.headers.accept;
  return accept === undefined || PLAIN_ACCEPT.test(accept);
}

/**
 * The operation of a body that the direct path answers exactly as yoga would, or null: a JSON
 * object of `query` and at most `variables` and `operationName`. Extensions, batches and a body
 * that does not parse are left to yoga's handler, which also words their errors.
 */
export function plainOperation(body: Buffer): GraphQLParams | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  const { query, variables, operationName, ...rest } = parsed;
  if (Object.keys(rest).length > 0 || typeof query !== 'string') return null;
  if (variables !== undefined && variables !== null && !isRecord(variables)) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  return {
    query,
    ...(isRecord(variables) ? { variables } : {}),
    ...(typeof operationName === 'string' ? { operationName } : {}),
  };
}

/**
 * Answers one operation through yoga's own operation pipeline — its onParams hooks, then
 * envelop's parse, validate, context and execute with every plugin (limits, caches, masking,
 * compiled execution, metrics), then its JSON result processor — without its Fetch API
 * emulation: the request is not turned into a Fetch Request with a body stream read again, and
 * the answer is written straight to the node response. Under load that emulation cost as much
 * CPU as the whole of PostGraphile's request. `maskError` answers what escapes the pipeline, as
 * yoga's own handler would.
 */
export async function answerDirectly(
  yoga: Yoga,
  prepareSchema: (request: globalThis.Request) => Promise<void>,
  params: GraphQLParams,
  req: IncomingMessage,
  res: ServerResponse,
  maskError: (error: unknown) => GraphQLError,
): Promise<void> {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.push([name, value]);
    else if (Array.isArray(value)) for (const v of value) headers.push([name, v]);
  }
  // Only what the hooks and the context read: the method, the URL and the headers; the body is already `params`.
  const request = new yoga.fetchAPI.Request('http://localhost/graphql', { method: 'POST', headers });
  let result;
  try {
    await prepareSchema(request);
    result = (await yoga.getResultForParams({ params, request }, { req, res })) ?? { errors: [maskError(new Error('no result'))] };
  } catch (error) {
    result = { errors: [maskError(error)] };
  }
  const response = processRegularResult(result, yoga.fetchAPI, 'application/json');
  const body = await response.text();
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.statusCode = response.status;
  res.end(body);
}
