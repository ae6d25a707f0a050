import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/**
 * Chooses the compute engine. Called at the top of every notebook and script; prints one line saying which
 * engine is active and why. (First version: the stock wasm backend. The native kernels come next.)
 */
export interface EngineInfo {
  /** Short name, e.g. "wasm". */
  name: string;
  /** The tfjs backend underneath. */
  backend: string;
  /** Why this engine was chosen. */
  reason: string;
}

let active: EngineInfo | null = null;

/** Selects and initialises the engine once; later calls return the same answer. */
export async function initEngine(opts: { quiet?: boolean } = {}): Promise<EngineInfo> {
  if (active) return active;
  await tf.setBackend('wasm');
  await tf.ready();
  active = { name: 'wasm', backend: tf.getBackend(), reason: 'stock tfjs wasm backend (native kernels not built yet)' };
  if (!opts.quiet) console.log(`engine: ${active.name} — ${active.reason}`);
  return active;
}
