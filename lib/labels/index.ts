/** The labels layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './consensus';
export * from './labelers';
export * from './preferences';
export * from './ranking';
export * from './rankingServer';
export * from './agreement';
