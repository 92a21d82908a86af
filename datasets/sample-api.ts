import { startPagedJsonServer } from './paged-json-server.js';
import { sampleHealthFacilities } from './sample-sources.js';

/** The Sở Y tế sample API (health facilities), which the platform ships so the sample works offline. */
export const startSampleApi = (port = 0) => startPagedJsonServer({ '/health-facilities': sampleHealthFacilities() }, port);
