import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalMembers, canonicalObject } from '../server/audit/canonical-json.js';

/**
 * An audit link is hashed from its entry's members, serialised once, plus the chain's fields;
 * verify() hashes canonicalJson of the whole stored event. Both must give the same text, or every
 * link would read as broken.
 */
/**
 * An independent reading of "keys sorted at every level": JSON.stringify with a replacer that
 * rebuilds each object in sorted key order. It only holds for keys that are not array indexes
 * (JS puts those first whatever the insertion order), so the generated keys all start with a letter.
 */
const sortedStringify = (value: unknown) =>
  JSON.stringify(value, (_key, member: unknown) =>
    member && typeof member === 'object' && !Array.isArray(member) ? Object.fromEntries(Object.entries(member).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : member,
  );

describe('canonical JSON of an audit event', () => {
  const key = fc.string().map((k) => `k${k}`);
  const value = fc.letrec((tie) => ({
    any: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }), fc.array(tie('any'), { maxLength: 4 }), fc.dictionary(key, tie('any'), { maxKeys: 4 })),
  })).any;
  // Keys around the chain fields' names (_id, at, prevHash), so the chain fields land between them.
  const entry = fc.dictionary(fc.oneof(key, fc.constantFrom('action', 'actor', 'actorDepartment', 'atx', 'a', 'prev', 'purpose', 'z', '_a', '_z')), fc.option(value, { nil: undefined }), { maxKeys: 12 });

  it('is the same made from members as made from the whole, and both sort every level', () => {
    fc.assert(
      fc.property(entry, fc.nat(), fc.date({ noInvalidDate: true }), fc.stringMatching(/^[0-9a-f]{64}$/), (body, seq, at, prevHash) => {
        const whole = { ...body, _id: seq, at, prevHash };
        const fromMembers = canonicalObject([...canonicalMembers(body), ['_id', canonicalJson(seq)], ['at', canonicalJson(at)], ['prevHash', canonicalJson(prevHash)]]);
        expect(fromMembers).toBe(sortedStringify(whole));
        expect(canonicalJson(whole)).toBe(sortedStringify(whole));
      }),
      { numRuns: 500 },
    );
  });

  it('sorts keys at every level and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: undefined }], c: new Date(0) } })).toBe('{"a":{"c":"1970-01-01T00:00:00.000Z","d":[2,{"f":1}]},"b":1}');
  });
});
