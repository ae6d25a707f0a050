/** The train layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './bestCheckpoint';
export * from './bestOfN';
export * from './dpo';
export * from './klController';
export * from './onlineDpo';
export * from './ppo';
export * from './pretrain';
export * from './rewardShaping';
export * from './sft';
export * from './groupRl';
