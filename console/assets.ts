import { join } from 'node:path';
import express, { Router } from 'express';
import { projectRoot } from '../server/paths.js';

const packageDir = (name: string) => join(projectRoot, 'node_modules', name);

/** Every script, style and font the console and GraphiQL use, from installed packages: nothing comes from another origin. */
export const ASSETS = {
  htmx: '/assets/htmx/htmx.min.js',
  fonts: ['/assets/fonts/400.css', '/assets/fonts/600.css', '/assets/fonts/700.css'],
  css: '/assets/console/console.css',
  js: '/assets/console/console.js',
  favicon: '/assets/console/favicon.svg',
  graphiqlJs: '/assets/graphiql/graphiql.min.js',
  graphiqlCss: '/assets/graphiql/graphiql.min.css',
  graphiqlInit: '/assets/console/graphiql-init.js',
  react: '/assets/react/react.production.min.js',
  reactDom: '/assets/react-dom/react-dom.production.min.js',
} as const;

export function assetsRouter(): Router {
  const router = Router();
  // Files only, no listings, no dotfiles; the packages' versions change with the lock file, so a day of caching is safe.
  const serve = (dir: string) => express.static(dir, { index: false, dotfiles: 'ignore', fallthrough: false, maxAge: '1d', redirect: false });
  router.use('/assets/htmx', serve(join(packageDir('htmx.org'), 'dist')));
  router.use('/assets/fonts', serve(packageDir('@fontsource/be-vietnam-pro')));
  router.use('/assets/graphiql', serve(packageDir('graphiql')));
  router.use('/assets/react', serve(join(packageDir('react'), 'umd')));
  router.use('/assets/react-dom', serve(join(packageDir('react-dom'), 'umd')));
  router.use('/assets/console', serve(join(projectRoot, 'console', 'static')));
  return router;
}
