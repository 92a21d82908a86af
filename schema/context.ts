import type DataLoader from 'dataloader';
import type { Row } from '../connectors/contract.js';
import type { Principal } from '../server/auth/principal.js';
import type { CatalogueService, Department } from '../server/catalogue/catalogue-service.js';
import type { Config } from '../server/config.js';
import type { RecordsService } from '../server/data/records-service.js';
import type { SourceHealth } from '../server/data/source-health.js';
import type { AccessService } from '../server/governance/access-service.js';
import type { AuditLog } from '../server/governance/audit-log.js';
import type { Logger } from '../server/logger.js';

/** Services shared by every request, put on the context once by the app. */
export interface GatewayServices {
  config: Config;
  catalogue: CatalogueService;
  records: RecordsService;
  health: SourceHealth;
  access: AccessService;
  auditLog: AuditLog;
}

/** What every resolver receives: the caller, the services, per-request loaders and a deadline. */
export interface GatewayContext extends GatewayServices {
  principal: Principal;
  log: Logger;
  /** Aborts when the client goes away or the operation timeout passes. */
  signal: AbortSignal;
  loaders: {
    department: DataLoader<string, Department | null>;
    /** Linked records by "dataset|field", created on first use in the request. */
    links: Map<string, DataLoader<unknown, Row | null, string>>;
    /** Link refusals already reported in this request, so a page gets one error, not one per row. */
    reportedLinkErrors: Set<string>;
  };
}
