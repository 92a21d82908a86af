import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { badInput } from '../errors.js';

/**
 * Headers that a cross-site form, link or image cannot send, and that script can send only
 * after a CORS preflight the gateway refuses to unconfigured origins. Every operation needs
 * Authorization anyway, so a GET query with its token passes as is.
 */
export const CSRF_HEADERS = ['authorization', 'x-graphql-yoga-csrf'];

function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Operations arrive only as JSON bodies or as GET with a header a form cannot send. Yoga also
 * parses form-encoded, multipart and `application/graphql` bodies; a browser sends the first
 * two (and text/plain) cross-site without asking, so a page elsewhere could run a mutation with
 * whatever ambient credentials the browser holds. Any POST not `application/json` is refused
 * with 415, whatever headers it carries; GET is left to yoga's CSRF plugin (mutations by GET
 * yoga refuses on its own).
 */
export function useCsrfPrevention(): Plugin {
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(useCSRFPrevention({ requestHeaders: CSRF_HEADERS }));
    },
    onRequestParse({ request }) {
      if (request.method !== 'POST' || mediaType(request) === 'application/json') return;
      const refused = badInput('GraphQL requests must be sent as a JSON body (Content-Type: application/json).');
      throw new GraphQLError(refused.message, { extensions: { code: refused.code, http: { status: 415 } } });
    },
  };
}
