import type { Plugin } from 'graphql-yoga';
import { bearerToken, type BearerVerifier } from '../auth/jwt.js';
import { isAppError } from '../errors.js';
import { toGraphQLError } from './error-masking.js';

/**
 * Checks the bearer token before the document is parsed or validated. Otherwise validation
 * answered first, and anyone without a token could probe the schema — the typed `data` fields
 * are named after the published datasets — through its errors and suggestions. The context
 * verifies the token again (verified tokens are remembered, so it costs a lookup).
 */
export function useAuthenticateFirst(verify: BearerVerifier): Plugin {
  return {
    async onParams({ request, setResult }) {
      try {
        await verify(bearerToken(request.headers.get('authorization')));
      } catch (error) {
        if (!isAppError(error)) throw error;
        setResult({ errors: [toGraphQLError(error)] });
      }
    },
  };
}
