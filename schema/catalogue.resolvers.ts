import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Principal } from '../server/auth/principal.js';
import type { DatasetFilter, SearchArgs } from '../server/catalogue/catalogue-service.js';
import type { Dataset, DatasetInput, DatasetPatch } from '../server/catalogue/dataset.js';
import type { GatewayContext } from '../server/http/context.js';

const upper = (roles: Principal['roles']) => roles.map((r) => r.toUpperCase());

export const catalogueResolvers = {
  JSON: JSONResolver,
  DateTime: DateTimeResolver,
  Query: {
    me: (_: unknown, __: unknown, ctx: GatewayContext) => ctx.principal,
    departments: (_: unknown, __: unknown, ctx: GatewayContext) => ctx.catalogue.listDepartments(),
    datasets: (_: unknown, args: SearchArgs & { filter?: DatasetFilter }, ctx: GatewayContext) => ctx.catalogue.search(ctx.principal, args),
    dataset: (_: unknown, args: { id: string }, ctx: GatewayContext) => ctx.catalogue.get(ctx.principal, args.id),
  },
  Mutation: {
    registerDataset: (_: unknown, args: { input: DatasetInput }, ctx: GatewayContext) => ctx.catalogue.register(ctx.principal, args.input),
    updateDataset: (_: unknown, args: { id: string; input: DatasetPatch }, ctx: GatewayContext) =>
      ctx.catalogue.update(ctx.principal, args.id, args.input),
    publishDataset: (_: unknown, args: { id: string }, ctx: GatewayContext) => ctx.health.publish(ctx.principal, args.id),
    checkDatasetHealth: (_: unknown, args: { id: string }, ctx: GatewayContext) => ctx.health.checkFor(ctx.principal, args.id),
    deprecateDataset: (_: unknown, args: { id: string; reason: string }, ctx: GatewayContext) =>
      ctx.catalogue.deprecate(ctx.principal, args.id, args.reason),
  },
  Principal: {
    department: (p: Principal, _: unknown, ctx: GatewayContext) =>
      ctx.loaders.department.load(p.department).then((d) => d ?? { code: p.department, name: p.department }),
    roles: (p: Principal) => upper(p.roles),
  },
  Dataset: {
    department: (d: Dataset, _: unknown, ctx: GatewayContext) =>
      ctx.loaders.department.load(d.department).then((dep) => dep ?? { code: d.department, name: d.department }),
    connector: (d: Dataset) => ({ type: d.connector.type }),
    myAccess: async (d: Dataset, args: { purpose?: string | null }, ctx: GatewayContext) => {
      const decision = await ctx.records.accessFor(ctx.principal, d, args.purpose ?? null);
      return {
        ...decision,
        masks: Object.entries(decision.masks).map(([field, mask]) => ({ field, ...mask })),
        grant: decision.grant ? { id: decision.grant._id, until: decision.grant.until, purpose: decision.grant.purpose } : null,
      };
    },
  },
};
