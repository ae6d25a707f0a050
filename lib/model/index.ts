/** The model layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './adam';
export * from './batches';
export * from './chat';
export * from './gpt';
export * from './lm';
export * from './losses';
export * from './nextToken';
export * from './ops';
export * from './sampling';
export * from './schedule';
export * from './tokenizer';
