import { isAbsolute, relative } from 'node:path';

/**
 * A source credential as the server's registry holds it (SOURCE_CREDENTIALS). Bindings in the
 * catalogue only name it; the registry says which connection it opens, which departments may
 * bind it, and what it may reach. A binding is checked against its entry at registration and
 * on every read, so a change of the registry applies to the next read.
 */
export interface SourceCredential {
  name: string;
  /** The connector type it serves; a binding of another type may not use it. */
  type: string;
  /** Connection string (databases) or base URL (http-json); absent for csv. */
  url?: string;
  /** csv: the absolute folder the department's files lie in. */
  folder?: string;
  /** Departments that may bind it. */
  departments: string[];
  /** The department that owns the source: reads through it are audited under it too. */
  owner: string;
  /** What it may reach; absent parts mean nothing of that kind. */
  reach: SourceReach;
}

export interface SourceReach {
  /** postgres/mysql: `schema.table` or `schema.*`. */
  tables?: string[];
  /** mongodb: `database.collection` or `database.*`. */
  collections?: string[];
  /** http-json: paths must start with this prefix (a whole path segment). */
  pathPrefix?: string;
}

/** What every reach check needs to know beyond the registry. */
export interface ReachContext {
  /** The catalogue's own MongoDB database: never reachable through a connector. */
  catalogueDatabase: string;
}

/** Whether `schema.name` is matched by one of the `schema.name` / `schema.*` patterns. */
export function reachAllows(patterns: readonly string[] | undefined, schema: string, name: string): boolean {
  return (patterns ?? []).some((pattern) => {
    const dot = pattern.indexOf('.');
    if (dot < 0) return false;
    const [s, n] = [pattern.slice(0, dot), pattern.slice(dot + 1)];
    return s === schema && (n === '*' || n === name);
  });
}

/** Whether `path` lies inside `folder` (both absolute). */
export function insideFolder(folder: string, path: string): boolean {
  const inside = relative(folder, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}
