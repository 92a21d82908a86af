import type DataLoader from 'dataloader';
import type { Row } from '../../connectors/contract.js';
import type { Principal } from '../auth/principal.js';
import type { CatalogueService, Department } from '../catalogue/catalogue-service.js';
import type { Config } from '../config.js';
import type { RecordsService } from '../data/records-service.js';
import type { SourceHealth } from '../data/source-health.js';
import type { AccessService } from '../governance/access-service.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Logger } from '../logger.js';
import type { Dataset } from '../catalogue/dataset.js';
import type { Grant } from '../governance/policy.js';

export interface RowRead {
  masked: ReadonlySet<string>;
  purpose: string | null;
}

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
  /** The request's logger (it carries the request id); who logs adds the principal's fields. */
  log: Logger;
  /** Aborts when the client goes away or the operation timeout passes. */
  signal: AbortSignal;
  loaders: {
    department: DataLoader<string, Department | null>;
    /** Datasets as the caller may see them. */
    dataset: DataLoader<string, Dataset | null>;
    /** Approved grants by id. */
    grant: DataLoader<string, Grant | null>;
    /** Linked records by "dataset|field", created on first use in the request. */
    links: Map<string, DataLoader<unknown, Row | null, string>>;
    /** Link refusals already reported in this request, so a page gets one error, not one per row. */
    reportedLinkErrors: Set<string>;
    /** For each row a data field returned, what its read masked and the purpose it was read for, so its links are read alike. */
    reads: WeakMap<Row, RowRead>;
  };
}
