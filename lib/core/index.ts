/** The core layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './atomic';
export * from './jsonl';
export * from './paths';
export * from './rng';
export * from './textNormalize';
export * from './fileLock';
export * from './overrides';
export * from './atomicDir';
export * from './finiteGuard';
