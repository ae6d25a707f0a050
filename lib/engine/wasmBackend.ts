import * as tf from '@tensorflow/tfjs';

/**
 * What the kernels that replace tfjs's wasm kernels share (nativeKernels.ts, nativeFusedOps.ts, nativeAttention.ts
 * and the fallback engine's jsKernels.ts): the parts of the wasm backend they touch, and BatchMatMul's dimensions.
 */

/** The parts of tfjs's wasm backend the replacement kernels use. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The argument of a tfjs kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Number of elements of a shape. */
export const shapeSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * The matrix dimensions of a BatchMatMul as tfjs defines it: a [..., m, k] (or [..., k, m] with transposeA),
 * b [..., k, n] (or [..., n, k] with transposeB). kA and kB are the inner sizes each operand claims.
 */
export function matMulDims(aShape: readonly number[], bShape: readonly number[], transposeA: boolean, transposeB: boolean):
  { m: number; n: number; kA: number; kB: number } {
  const aRank = aShape.length;
  const bRank = bShape.length;
  return {
    m: transposeA ? aShape[aRank - 1] : aShape[aRank - 2],
    n: transposeB ? bShape[bRank - 2] : bShape[bRank - 1],
    kA: transposeA ? aShape[aRank - 2] : aShape[aRank - 1],
    kB: transposeB ? bShape[bRank - 1] : bShape[bRank - 2],
  };
}
