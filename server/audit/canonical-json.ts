/** One member of a JSON object: its key and its value, already canonical JSON. */
export type CanonicalMember = [key: string, json: string];

const byKey = ([a]: CanonicalMember, [b]: CanonicalMember) => (a < b ? -1 : a > b ? 1 : 0);

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  return canonicalObject(canonicalMembers(value));
}

/**
 * An object's defined members, each value made canonical once: an audit entry's are kept, and
 * the chain fields added to them when its link is written, so the entry is not serialised again
 * for every attempt to append it.
 */
export function canonicalMembers(value: object): CanonicalMember[] {
  const members: CanonicalMember[] = [];
  for (const [key, member] of Object.entries(value)) if (member !== undefined) members.push([key, canonicalJson(member)]);
  return members;
}

/** The canonical JSON of an object made of `members` (in any order; keys are distinct). */
export function canonicalObject(members: CanonicalMember[]): string {
  return `{${[...members].sort(byKey).map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',')}}`;
}
