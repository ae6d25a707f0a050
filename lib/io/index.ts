/** The io layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './artifacts';
export * from './checkpoint';
export * from './safetensors';
export * from './ask';
export * from './stageOutput';
export * from './leaderboardRuns';
export * from './arenaServer';
