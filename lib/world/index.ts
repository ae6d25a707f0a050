/** The world layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './answerMentions';
export * from './corpus';
export * from './datasets';
export * from './facts';
export * from './judge';
export * from './lexicons';
export * from './questions';
export * from './responseStyles';
export * from './verifier';
export * from './harmlessness';
export * from './falseClaims';
