/** The ui layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './display';
export * from './format';
export * from './grid';
export * from './plot';
export * from './progress';
export * from './table';
export * from './gaoChart';
