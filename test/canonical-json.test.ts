import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalMembers, canonicalObject } from '../server/audit/canonical-json.js';

/**
 * An audit link is hashed from its entry's members, serialised once, plus the chain's fields;
 * verify() hashes canonicalJson of the whole stored event. Both must give the same text, or every
 * link would read as broken.
 */
describe('canonical JSON of an audit event', () => {
  const value = fc.letrec((tie) => ({
    any: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }), fc.array(tie('any'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('any'), { maxKeys: 4 })),
  })).any;
  const entry = fc.dictionary(fc.string().filter((k) => !['_id', 'at', 'prevHash', 'hash', '__proto__'].includes(k)), fc.option(value, { nil: undefined }), { maxKeys: 12 });

  it('is the same made from members as made from the whole', () => {
    fc.assert(
      fc.property(entry, fc.nat(), fc.date({ noInvalidDate: true }), fc.stringMatching(/^[0-9a-f]{64}$/), (body, seq, at, prevHash) => {
        const fromMembers = canonicalObject([...canonicalMembers(body), ['_id', canonicalJson(seq)], ['at', canonicalJson(at)], ['prevHash', canonicalJson(prevHash)]]);
        expect(fromMembers).toBe(canonicalJson({ ...body, _id: seq, at, prevHash }));
        expect(JSON.parse(fromMembers)).toBeTypeOf('object');
      }),
      { numRuns: 500 },
    );
  });

  it('sorts keys at every level and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: undefined }], c: new Date(0) } })).toBe('{"a":{"c":"1970-01-01T00:00:00.000Z","d":[2,{"f":1}]},"b":1}');
  });
});
