import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { SortKey } from '../../connectors/contract.js';
import type { Principal } from '../auth/principal.js';
import { invalidCursor } from '../paging.js';

/** Where a cursor may be used: the read it was handed out by. */
export interface CursorScope {
  dataset: string;
  orderBy: SortKey[];
  principal: Principal;
  grantId: string | null;
}

/**
 * Data cursors hold the sort values of the last row, and the last sort key is the dataset's key,
 * which the caller may see only masked or not at all. They are sealed (AES-256-GCM under a key of
 * their own) with their scope as authenticated data: a cursor is opaque, any change makes it
 * invalid, and one used on another dataset, ordering, principal or grant does not open — so
 * cursors minted elsewhere cannot position a read on values the caller chose.
 */
export class DataCursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'kho-du-lieu', 'data-cursor-v2', 32));
  }

  private static scopeOf(scope: CursorScope): Buffer {
    const order = scope.orderBy.map((k) => `${k.field}:${k.direction}`).join(',');
    return Buffer.from(JSON.stringify([scope.dataset, order, scope.principal.id, scope.principal.department, scope.grantId]));
  }

  seal(values: unknown[], scope: CursorScope): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(DataCursors.scopeOf(scope));
    const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The sort values sealed in `cursor`, or BAD_USER_INPUT if it was not handed out for this very read. */
  open(cursor: string, scope: CursorScope): unknown[] {
    try {
      const raw = Buffer.from(cursor, 'base64url');
      if (raw.length > 28) {
        const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
        decipher.setAAD(DataCursors.scopeOf(scope));
        decipher.setAuthTag(raw.subarray(12, 28));
        const values: unknown = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
        if (Array.isArray(values) && values.length === scope.orderBy.length) return values;
      }
    } catch {
      // Reported below, the same way whatever was wrong.
    }
    throw invalidCursor('is not a cursor this read handed out (cursors belong to one dataset, ordering, caller and grant)');
  }
}
