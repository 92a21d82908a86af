import type { makePage } from '../web.js';

/** The page wrappers every area registers its routes with. */
export type Pages = ReturnType<typeof makePage>;
