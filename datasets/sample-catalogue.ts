import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Principal } from '../server/auth/principal.js';
import type { CatalogueService, Department } from '../server/catalogue/catalogue-service.js';
import type { DatasetInput, DatasetStatus } from '../server/catalogue/dataset.js';
import type { Logger } from '../server/logger.js';
import { projectRoot } from '../server/paths.js';

interface SampleCatalogue {
  departments: Department[];
  datasets: (DatasetInput & { department: string; status: DatasetStatus })[];
}

/** The platform itself, acting as admin when it loads the sample catalogue. */
const SEED_PRINCIPAL: Principal = { id: 'system:seed', department: 'platform', roles: ['admin'] };

export async function readSampleCatalogue(): Promise<SampleCatalogue> {
  return JSON.parse(await readFile(join(projectRoot, 'datasets', 'sample-catalogue.json'), 'utf8')) as SampleCatalogue;
}

/**
 * Loads the sample departments and datasets. Datasets that already exist are left as they are,
 * so running it twice changes nothing and a half-finished earlier run is completed.
 */
export async function loadSampleCatalogue(catalogue: CatalogueService, logger: Logger): Promise<{ registered: number }> {
  const sample = await readSampleCatalogue();
  for (const department of sample.departments) await catalogue.upsertDepartment(department);
  let registered = 0;
  for (const { status, ...input } of sample.datasets) {
    const id = `${input.department}.${input.slug}`;
    if (await catalogue.getUnchecked(id)) continue;
    await catalogue.register(SEED_PRINCIPAL, input);
    if (status === 'PUBLISHED') await catalogue.publish(SEED_PRINCIPAL, id);
    registered++;
  }
  logger.info({ departments: sample.departments.length, registered }, 'sample catalogue loaded');
  return { registered };
}
