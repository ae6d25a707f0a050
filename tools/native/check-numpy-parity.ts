/**
 * Parity of the TypeScript GPT with an independent numpy implementation (tools/native/numpy_gpt.py).
 *
 *   npx tsx tools/native/check-numpy-parity.ts [--tol 1e-4] [--keep]
 *
 * Builds the workbook's default-size GPT (vocabulary of data/vocab.json, context 64, d 128, 4 layers, 4 heads)
 * with seeded random weights — every weight perturbed, so LayerNorm gains, biases and the MLP's non-linearity
 * all matter — saves it as a checkpoint with lib/io/checkpoint.ts, computes the logits of two 64-token sequences
 * (a corpus paragraph and random ids, EOS and PAD included) on the active engine (RLHF_ENGINE selects one),
 * and asks /usr/bin/python3 + numpy to recompute them from the files alone. Exit status 1 if the largest
 * absolute difference exceeds the tolerance. Needs Debian's python3-numpy (apt-get install -y python3-numpy).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { saveCheckpoint } from '../../lib/io/checkpoint';
import { loadCorpus } from '../../lib/world/corpus';
import { initEngine } from '../../lib/engine/engine';
import { GPT, GPTConfig } from '../../lib/model/gpt';
import { dataDir, repoRoot } from '../../lib/core/paths';
import { Rng } from '../../lib/core/rng';
import { writeSafetensors } from '../../lib/io/safetensors';
import { Tokenizer } from '../../lib/model/tokenizer';

const PYTHON = '/usr/bin/python3';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Replaces every weight with seeded random values of a size that keeps activations O(1). */
function perturb(model: GPT, rng: Rng): void {
  for (const [name, v] of model.params()) {
    const n = v.size;
    const vals = new Float32Array(n);
    const isLnGain = /ln_\d\.weight$|ln_f\.weight$/.test(name);
    const std = name === 'wte.weight' ? 0.3 : name.endsWith('.bias') || isLnGain ? 0.05 : name === 'wpe.weight' ? 0.1 : 0.08;
    for (let i = 0; i < n; i++) vals[i] = (isLnGain ? 1 : 0) + std * rng.normal() * (isLnGain ? 2 : 1);
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape, 'float32')));
  }
}

async function main(): Promise<void> {
  const tol = Number(arg('--tol', '1e-4'));
  const engine = await initEngine();
  const vocabFile = path.join(dataDir, 'vocab.json');
  const tok = Tokenizer.load(vocabFile);
  const config: GPTConfig = { vocabSize: tok.vocabSize, contextLength: 64, dModel: 128, nLayers: 4, nHeads: 4, dropout: 0 };
  const T = config.contextLength;
  const rng = new Rng(20240601);
  const model = new GPT(config, { seed: 11 });
  perturb(model, rng);

  const text = loadCorpus('val').map((d) => d.text).join(' ');
  const row0 = tok.encode(text).slice(0, T);
  const row1 = Array.from({ length: T }, () => rng.int(tok.vocabSize));
  row1[5] = tok.eosId;
  row1[6] = tok.padId;
  const tokens = [row0, row1];

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'numpy-parity-'));
  const ckpt = path.join(dir, 'ckpt');
  saveCheckpoint(ckpt, { tensors: model.params(), model: config, stage: 'parity-check', seed: 11, vocabFile });
  const ids = tf.tensor2d(tokens, [2, T], 'int32');
  const logits = tf.tidy(() => model.logits(model.hidden(ids)));
  writeSafetensors(path.join(dir, 'expected.safetensors'), [['logits', { shape: logits.shape.slice(), data: logits.dataSync() as Float32Array }]]);
  fs.writeFileSync(path.join(dir, 'tokens.json'), JSON.stringify(tokens));
  tf.dispose([ids, logits]);
  model.dispose();

  if (!fs.existsSync(PYTHON)) throw new Error(`${PYTHON} not found (Debian python3 with python3-numpy is needed)`);
  const py = spawnSync(PYTHON, [path.join(repoRoot, 'tools', 'native', 'numpy_gpt.py'), ckpt, path.join(dir, 'tokens.json'), path.join(dir, 'expected.safetensors'), '--tol', String(tol)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  if (py.error) throw py.error;
  if (/No module named .?numpy/.test(py.stderr)) throw new Error('numpy is missing: apt-get install -y python3-numpy');
  process.stderr.write(py.stderr);
  const line = py.stdout.trim().split('\n').pop() ?? '';
  console.log(`engine ${engine.name}; model V=${config.vocabSize} T=${T} d=${config.dModel} L=${config.nLayers} H=${config.nHeads}; numpy says: ${line}`);
  if (process.argv.includes('--keep')) console.log(`files kept in ${dir}`);
  else fs.rmSync(dir, { recursive: true });
  if (py.status !== 0) {
    console.error(`numpy parity FAILED (tolerance ${tol})`);
    process.exit(1);
  }
  console.log(`numpy parity ok (tolerance ${tol})`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
