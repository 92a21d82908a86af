import type { GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The schema each request runs on: the current one when the request arrives (it is rebuilt as
 * datasets are published), kept for the whole request. Yoga's own schema factory can only be
 * asked while yoga parses the HTTP request, which the direct path (graphql-direct) skips: there,
 * `prepare` asks for it instead, before the operation runs.
 */
export function liveSchema(current: () => Promise<GraphQLSchema>) {
  const byRequest = new WeakMap<object, GraphQLSchema>();
  const prepare = async (request: Request) => {
    byRequest.set(request, await current());
  };
  const plugin: Plugin = {
    onRequestParse({ request }) {
      return { onRequestParseDone: () => prepare(request) };
    },
    onEnveloped({ context, setSchema }) {
      const request: unknown = context?.request;
      const schema = typeof request === 'object' && request !== null ? byRequest.get(request) : undefined;
      if (!schema) throw new Error('no schema was prepared for this request');
      setSchema(schema);
    },
  };
  return { plugin, prepare };
}
