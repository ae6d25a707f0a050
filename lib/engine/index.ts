/** The engine layer of lib/ (see docs/DEVELOPING.md, Layout): one import for the notebooks. Library files import the files directly. */
export * from './engine';
export * from './fusedOpRegistry';
export * from './jsFusedOps';
export * from './jsKernels';
export * from './nativeAddon';
export * from './nativeAttention';
export * from './nativeFusedOps';
export * from './nativeKernels';
export * from './wasmBackend';
export * from './nativeProbe';
