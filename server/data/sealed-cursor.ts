import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { badInput } from '../errors.js';

/**
 * Cursors of data reads hold the sort values of the last row, and the last sort key is the
 * dataset's key, which the caller may see only masked or not at all. They are therefore sealed
 * (AES-256-GCM): opaque to the caller, and any change makes them invalid.
 */
export class CursorSeal {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = createHash('sha256').update(`cursor-seal:${secret}`).digest();
  }

  seal(values: unknown[]): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(cursor: string): unknown[] {
    try {
      const raw = Buffer.from(cursor, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const values: unknown = JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'));
      if (Array.isArray(values)) return values;
    } catch {
      // Reported below.
    }
    throw badInput('Invalid cursor.', [{ path: 'after', message: 'is not a cursor returned by this API' }]);
  }
}
