/** The eval layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './diversity';
export * from './evaluate';
export * from './recall';
export * from './rewardEval';
export * from './gaoFits';
export * from './intervals';
export * from './replyShape';
export * from './leaderboard';
export * from './arena';
