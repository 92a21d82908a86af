import type { RecordsArgs } from '../server/data/records-service.js';
import type { GatewayContext } from './context.js';

export const recordsResolvers = {
  Query: {
    records: (_: unknown, args: RecordsArgs, ctx: GatewayContext) => ctx.records.records(ctx.principal, args, ctx.signal),
  },
};
