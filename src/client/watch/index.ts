export { DiskQueue } from './queue.ts';
export { drainQueue, validPaths, type WatchOptions, watchStore } from './watch.ts';
