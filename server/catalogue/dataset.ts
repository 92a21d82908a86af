import type { FieldInfo, RecordSchema } from './record-schema.js';

export const CLASSIFICATIONS = ['PUBLIC', 'INTERNAL', 'RESTRICTED', 'CONFIDENTIAL'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
export type DatasetStatus = 'DRAFT' | 'PUBLISHED' | 'DEPRECATED';
export const UPDATE_FREQUENCIES = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'irregular'] as const;

export interface DatasetLink {
  /** Field of this dataset holding the key. */
  field: string;
  /** Id of the linked dataset. */
  dataset: string;
  /** Field of the linked dataset the key refers to. */
  targetField: string;
  /** Name of the field that resolves the link in the typed schema. */
  as: string;
}

/** Which connector serves a dataset. Credentials are referenced by name, never stored here. */
export interface ConnectorBinding {
  type: string;
  options: Record<string, unknown>;
}

export interface DatasetMetadata {
  title: string;
  titleEn?: string;
  description: string;
  descriptionEn?: string;
  classification: Classification;
  themes: string[];
  keywords: string[];
  recordSchema: RecordSchema;
  connector: ConnectorBinding;
  links: DatasetLink[];
  license?: string;
  contact?: string;
  updateFrequency?: string;
}

/** The last check of a dataset's source: reachable, and matching the record schema. */
export interface DatasetHealth {
  ok: boolean;
  checkedAt: Date;
  issues: string[];
}

export interface Dataset extends DatasetMetadata {
  id: string;
  slug: string;
  department: string;
  status: DatasetStatus;
  fields: FieldInfo[];
  version: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  publishedAt?: Date;
  deprecatedAt?: Date;
  deprecationReason?: string;
  health?: DatasetHealth;
}

export type DatasetInput = Partial<DatasetMetadata> & { slug: string; department?: string };
export type DatasetPatch = Partial<DatasetMetadata>;

export const datasetId = (department: string, slug: string): string => `${department}.${slug}`;
