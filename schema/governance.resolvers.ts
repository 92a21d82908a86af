import { auditEventsFor, verifyAuditFor } from '../server/governance/audit-access.js';
import type { AccessRequest, AccessRequestInput, ApprovalInput, RequestStatus } from '../server/governance/access-service.js';
import type { AuditEvent } from '../server/audit/audit-log.js';
import { grantInForce, type Grant } from '../server/governance/policy.js';
import type { GatewayContext } from '../server/http/context.js';

const principalRef = (id: string, department: string, ctx: GatewayContext) => ({
  id,
  department: ctx.loaders.department.load(department).then((d) => d ?? { code: department, name: department }),
});
const datasetRef = async (id: string, ctx: GatewayContext) => ({ id, title: (await ctx.loaders.dataset.load(id))?.title ?? null });

export const governanceResolvers = {
  Query: {
    accessRequests: (_: unknown, args: { status?: RequestStatus; datasetId?: string; first?: number; after?: string }, ctx: GatewayContext) => ctx.access.listRequests(ctx.principal, args),
    grants: (_: unknown, args: { datasetId?: string; active?: boolean; first?: number; after?: string }, ctx: GatewayContext) => ctx.access.listGrants(ctx.principal, args),
    auditEvents: (_: unknown, args: { datasetId?: string; actor?: string; first?: number; after?: string }, ctx: GatewayContext) => auditEventsFor(ctx.principal, args, ctx.auditLog, ctx.catalogue),
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
    grant: (r: AccessRequest, _: unknown, ctx: GatewayContext) => (r.grantId ? ctx.loaders.grant.load(r.grantId) : null),
  },
  Grant: {
    id: (g: Grant) => g._id,
    dataset: (g: Grant, _: unknown, ctx: GatewayContext) => datasetRef(g.datasetId, ctx),
    grantee: (g: Grant, _: unknown, ctx: GatewayContext) => principalRef(g.granteeId, g.granteeDepartment, ctx),
    active: (g: Grant) => grantInForce(g),
  },
  AuditEvent: {
    id: (e: AuditEvent) => String(e._id),
    seq: (e: AuditEvent) => e._id,
    actor: (e: AuditEvent, _: unknown, ctx: GatewayContext) => principalRef(e.actor, e.actorDepartment, ctx),
  },
};
