import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

type Info = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/** Per field node of a document: parsed documents are cached, so their nodes come back request after request. */
const cache = new WeakMap<FieldNode, Map<string, string[]>>();

/**
 * The names of the fields selected at `path` below the resolver's own field (`['edges', 'node']`
 * of a connection), through inline fragments and fragment spreads. Fields under @skip or
 * @include count as selected: reading one field more is safe, one fewer is not.
 */
export function selectedAt(info: Info, path: readonly string[]): string[] {
  const only = info.fieldNodes.length === 1 ? info.fieldNodes[0] : undefined;
  const key = path.join('.');
  const known = only && cache.get(only)?.get(key);
  if (known) return known;
  let sets: (SelectionSetNode | undefined)[] = info.fieldNodes.map((node) => node.selectionSet);
  for (const name of path) sets = fieldsOf(sets, info).filter((f) => f.name.value === name).map((f) => f.selectionSet);
  const names = [...new Set(fieldsOf(sets, info).map((f) => f.name.value))];
  if (only) {
    const entry = cache.get(only) ?? new Map<string, string[]>();
    entry.set(key, names);
    cache.set(only, entry);
  }
  return names;
}

/** The fields of the selection sets, with fragments spread in; each named fragment once, so a cycle (refused by validation anyway) cannot loop. */
function fieldsOf(sets: (SelectionSetNode | undefined)[], info: Info, seen = new Set<string>()): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const set of sets) {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...fieldsOf([selection.selectionSet], info, seen));
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        fields.push(...fieldsOf([info.fragments[selection.name.value]?.selectionSet], info, seen));
      }
    }
  }
  return fields;
}
