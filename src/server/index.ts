export { type App, createServer } from './app.ts';
export { bootstrap } from './bootstrap.ts';
export type { Deps, Route } from './context.ts';
export { createDeps, main, type ServeOptions } from './main.ts';
