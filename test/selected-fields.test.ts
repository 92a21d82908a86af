import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { selectedAt } from '../schema/selected-fields.js';

/** The info of the resolver of `data.<field>` in `document`, as far as selectedAt reads it. */
function infoOf(document: string) {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const data = operation.selectionSet.selections[0] as FieldNode;
  const fragments = Object.fromEntries(parsed.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  return { fieldNodes: data.selectionSet!.selections as FieldNode[], fragments };
}

describe('the fields a typed query selects', () => {
  it('are found under edges.node through inline fragments, fragment spreads and @skip', () => {
    const info = infoOf(`
      query($s: Boolean!) { data { people(first: 2) { pageInfo { endCursor } edges { cursor node { citizenId ... on Person { district } ...More household { id } note @skip(if: $s) } } } } }
      fragment More on Person { fullName ...Again }
      fragment Again on Person { birthYear ...More }
    `);
    expect(selectedAt(info, ['edges', 'node']).sort()).toEqual(['birthYear', 'citizenId', 'district', 'fullName', 'household', 'note']);
    // The same nodes again: the same answer.
    expect(selectedAt(info, ['edges', 'node']).sort()).toEqual(['birthYear', 'citizenId', 'district', 'fullName', 'household', 'note']);
    expect(selectedAt(info, ['pageInfo'])).toEqual(['endCursor']);
    expect(selectedAt(info, ['nothing', 'here'])).toEqual([]);
  });
});
