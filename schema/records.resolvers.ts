import type { GatewayContext } from '../server/http/context.js';

export const recordsResolvers = {
  Query: {
    // The records service checks the arguments' shape itself: every read path goes through it.
    records: (_: unknown, args: Record<string, unknown>, ctx: GatewayContext) => ctx.records.records(ctx.principal, args, ctx.signal),
  },
};
