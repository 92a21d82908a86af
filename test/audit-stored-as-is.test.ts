import fc from 'fast-check';
import { BSON } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { storedAsIs } from '../server/audit/audit-log.js';
import { canonicalJson } from '../server/audit/canonical-json.js';

/**
 * An event is hashed as MongoDB will give it back. An entry that skips the BSON round trip must
 * therefore be exactly what the round trip would have made of it, or its link reads as broken
 * forever.
 */
const roundTrip = (value: object) => BSON.deserialize(BSON.serialize(value, { ignoreUndefined: true }));

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('x\ud800y', '\udc00', 'a\u0000b', 'Đặng Minh Cường', '😀'));
const member = fc.oneof(
  text,
  fc.array(text, { maxLength: 4 }),
  fc.array(fc.oneof(text, fc.integer(), fc.constant(null), fc.constant(undefined)), { maxLength: 3 }),
  fc.integer(),
  fc.constantFrom(-0, 0.5, Number.NaN, Infinity, 2 ** 31, 2 ** 53, -(2 ** 40)),
  fc.double(),
  fc.boolean(),
  fc.constantFrom(null, undefined, new Date(0)),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), text, { maxKeys: 2, noNullPrototype: true }),
);
const entry = fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom('k\u0000', 'k\ud800')), member, { maxKeys: 6, noNullPrototype: true });

describe('an audit entry taken as already stored', () => {
  it('is exactly what MongoDB gives back, whenever it is taken so', () => {
    fc.assert(
      fc.property(entry, (value) => {
        const copy = storedAsIs(value);
        if (copy === null) return;
        expect(copy).toStrictEqual(value);
        let stored;
        try {
          stored = roundTrip(value);
        } catch {
          throw new Error(`taken as stored, yet BSON refuses it: ${JSON.stringify(value)}`);
        }
        expect(stored).toStrictEqual(copy);
        expect(canonicalJson(stored)).toBe(canonicalJson(copy));
      }),
      { numRuns: 3000 },
    );
  });

  it('is taken so for a read event, as a copy that later changes to the caller’s lists do not reach', () => {
    const fields = ['citizenId', 'fullName'];
    const read = { actor: 'an', actorDepartment: 'tai-chinh', action: 'data.read', datasetId: 'cong-an.residents', fields, rowCount: 1, queryHash: 'f'.repeat(64), purpose: 'Đối soát hồ sơ' };
    const copy = storedAsIs(read);
    expect(copy).toStrictEqual(read);
    fields.push('address');
    expect(copy?.fields).toEqual(['citizenId', 'fullName']);
  });

  it('is not taken so for what BSON changes: a lone surrogate, NUL, -0, a fraction, a date, a nested object, undefined, a size beyond the limit', () => {
    for (const value of ['x\ud800', 'a\u0000', ['\udfff'], -0, 0.5, new Date(0), { a: 'b' }, undefined, null, 'x'.repeat(6 * 1024 * 1024)]) {
      expect(storedAsIs({ purpose: value })).toBeNull();
    }
  });
});
