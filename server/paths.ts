import { fileURLToPath } from 'node:url';

/** The repository root, whatever the working directory of the process. */
export const projectRoot = fileURLToPath(new URL('..', import.meta.url));
