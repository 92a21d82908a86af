/**
 * The record-schema vocabulary connectors share with every other layer: a dataset's fields and
 * their platform types, as the catalogue derives them from the record schema. The catalogue's
 * own field description (titles, personal data, masks) extends this one.
 */
export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime';

export interface RecordField {
  name: string;
  type: FieldType;
  /** The record schema admits null. */
  nullable: boolean;
  /** The record schema lists the field as required. */
  required: boolean;
}
