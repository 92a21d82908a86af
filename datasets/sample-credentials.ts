import type { RegistryEntry } from '../server/config.js';

/**
 * Registry entries of the sample sources whose addresses are only known at start: the land
 * parcels database on the local MongoDB, and the departments' JSON APIs served by the sample API.
 */
export function sampleRuntimeCredentials(addresses: { mongoUri: string; apiUrl: string }): Record<string, RegistryEntry> {
  return {
    'land-db': { type: 'mongodb', url: addresses.mongoUri, departments: ['nong-nghiep-moi-truong'], reach: { collections: ['so_nnmt_dat_dai.land_parcels'] } },
    'health-api': { type: 'http-json', url: addresses.apiUrl, departments: ['y-te'], reach: { pathPrefix: '/health-facilities' } },
    'environment-api': { type: 'http-json', url: addresses.apiUrl, departments: ['nong-nghiep-moi-truong'], reach: { pathPrefix: '/air-quality' } },
  };
}
