import { encodeCursor } from '../server/catalogue/cursor.js';
import { auditEventsFor, verifyAuditFor } from '../server/governance/audit-access.js';
import type { AccessRequest, AccessRequestInput, ApprovalInput, Page, RequestStatus } from '../server/governance/access-service.js';
import type { AuditEvent } from '../server/governance/audit-log.js';
import type { Grant } from '../server/governance/policy.js';
import type { GatewayContext } from './context.js';

/** Every list here is ordered by _id, newest first, and its cursor is that _id. */
const connection = <T extends { _id: string | number }>(page: Page<T>) => ({
  edges: page.items.map((node) => ({ cursor: encodeCursor([node._id]), node })),
  pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
});
const principalRef = (id: string, department: string, ctx: GatewayContext) => ({
  id,
  department: ctx.loaders.department.load(department).then((d) => d ?? { code: department, name: department }),
});
const datasetRef = async (id: string, ctx: GatewayContext) => ({ id, title: (await ctx.catalogue.get(ctx.principal, id))?.title ?? null });

export const governanceResolvers = {
  Query: {
    accessRequests: async (_: unknown, args: { status?: RequestStatus; datasetId?: string; first?: number; after?: string }, ctx: GatewayContext) => {
      const page = await ctx.access.listRequests(ctx.principal, args);
      return connection(page);
    },
    grants: async (_: unknown, args: { datasetId?: string; active?: boolean; first?: number; after?: string }, ctx: GatewayContext) => {
      const page = await ctx.access.listGrants(ctx.principal, args);
      return connection(page);
    },
    auditEvents: async (_: unknown, args: { datasetId?: string; actor?: string; first?: number; after?: string }, ctx: GatewayContext) => {
      const page = await auditEventsFor(ctx.principal, args, ctx.auditLog, ctx.catalogue);
      return connection(page);
    },
    verifyAuditLog: async (_: unknown, __: unknown, ctx: GatewayContext) => {
      const result = await verifyAuditFor(ctx.principal, ctx.auditLog);
      // GraphQL's Int is 32-bit: a tip moved absurdly far ahead must still yield a report, not an error.
      return { ...result, brokenCount: Math.min(result.brokenCount, 2 ** 31 - 1) };
    },
  },
  Mutation: {
    requestAccess: (_: unknown, args: { input: AccessRequestInput }, ctx: GatewayContext) => ctx.access.requestAccess(ctx.principal, args.input),
    approveAccessRequest: (_: unknown, args: { id: string; input?: ApprovalInput | null }, ctx: GatewayContext) => ctx.access.approve(ctx.principal, args.id, args.input ?? null),
    rejectAccessRequest: (_: unknown, args: { id: string; reason: string }, ctx: GatewayContext) => ctx.access.reject(ctx.principal, args.id, args.reason),
    withdrawAccessRequest: (_: unknown, args: { id: string }, ctx: GatewayContext) => ctx.access.withdraw(ctx.principal, args.id),
    revokeGrant: (_: unknown, args: { id: string; reason: string }, ctx: GatewayContext) => ctx.access.revoke(ctx.principal, args.id, args.reason),
  },
  AccessRequest: {
    id: (r: AccessRequest) => r._id,
    dataset: (r: AccessRequest, _: unknown, ctx: GatewayContext) => datasetRef(r.datasetId, ctx),
    requester: (r: AccessRequest, _: unknown, ctx: GatewayContext) => principalRef(r.requesterId, r.requesterDepartment, ctx),
    grant: (r: AccessRequest, _: unknown, ctx: GatewayContext) => (r.grantId ? ctx.access.grants.findOne({ _id: r.grantId, active: true }) : null),
  },
  Grant: {
    id: (g: Grant) => g._id,
    dataset: (g: Grant, _: unknown, ctx: GatewayContext) => datasetRef(g.datasetId, ctx),
    grantee: (g: Grant, _: unknown, ctx: GatewayContext) => principalRef(g.granteeId, g.granteeDepartment, ctx),
    active: (g: Grant) => g.active && !g.revokedAt && g.until.getTime() > Date.now(),
  },
  AuditEvent: {
    id: (e: AuditEvent) => String(e._id),
    seq: (e: AuditEvent) => e._id,
    actor: (e: AuditEvent, _: unknown, ctx: GatewayContext) => principalRef(e.actor, e.actorDepartment, ctx),
  },
};
