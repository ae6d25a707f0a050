/** The reward layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './config';
export * from './normalization';
export * from './rewardModel';
export * from './rows';
export * from './scoring';
export * from './training';
