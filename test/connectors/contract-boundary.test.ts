import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { InvalidRequest, NotSupported, SourceRequestError } from '../../connectors/errors.js';
import { toAppError } from '../../server/errors.js';

const root = resolve(import.meta.dirname, '../..');
const connectors = join(root, 'connectors');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

describe('the connector contract as a boundary', () => {
  it('connectors/ imports nothing of the project outside connectors/', () => {
    const outside: string[] = [];
    for (const file of sourceFiles(connectors)) {
      for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = resolve(dirname(file), fileName);
        if (relative(connectors, target).startsWith('..')) outside.push(`${relative(root, file)} → ${fileName}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("is mapped onto the server's error registry in one place: the client's faults are BAD_USER_INPUT, NotSupported a defect", () => {
    const invalid = toAppError(new InvalidRequest('Invalid filter.', [{ path: 'where.age.gt', message: 'must be an integer' }]));
    expect(invalid).toMatchObject({ code: 'BAD_USER_INPUT', status: 400, message: 'Invalid filter.', details: [{ path: 'where.age.gt', message: 'must be an integer' }] });
    expect(toAppError(new SourceRequestError('the source refused a value of the request (number out of range)'))).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: [{ path: 'where', message: 'the source refused a value of the request (number out of range)' }],
    });
    expect(toAppError(new NotSupported('orderBy'))).toBeNull();
    expect(toAppError(new Error('connection reset'))).toBeNull();
  });
});
