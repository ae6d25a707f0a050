import * as fs from 'fs';
import * as path from 'path';
import { isSmoke, repoRoot, stageDir } from '../../lib/core/paths';
import { shippedBaseDir } from '../../lib/io/artifacts';
import { loadCheckpoint } from '../../lib/io/checkpoint';
import { writeFileAtomic } from '../../lib/core/atomic';
import { writeDirAtomic } from '../../lib/core/atomicDir';
import { defaultCellTimeoutSeconds, runNotebooks } from '../notebook/run-notebooks';

/**
 * `npm run pretrain`: reproduces the shipped base model. Executes notebooks/00_pretrain.ipynb headless in full
 * mode (its checkpoint lands in <run folder>/pretrain), checks the checkpoint loads, then copies it to data/base/
 * as a whole (lib/atomicDir.writeDirAtomic: a crash leaves the old data/base or the new one, never a mix).
 * `--no-ship` only runs the notebook.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const bad = args.filter((a) => a !== '--no-ship');
  if (bad.length > 0) {
    console.error(`unknown argument ${bad[0]}\nusage: npm run pretrain [-- --no-ship]`);
    process.exit(2);
  }
  if (isSmoke() && !args.includes('--no-ship')) {
    console.error('refusing to ship a smoke-mode base model: unset RLHF_SMOKE (or pass --no-ship)');
    process.exit(2);
  }
  const nb = path.join(repoRoot, 'notebooks', '00_pretrain.ipynb');
  const { results } = await runNotebooks([nb], { timeoutSeconds: defaultCellTimeoutSeconds(), echo: true, stopOnFailure: true, log: (l) => console.log(l) });
  if (!results.every((r) => r.ok)) process.exit(1);
  const src = stageDir('pretrain');
  loadCheckpoint(src); // validates weights, vocabulary and checksums before anything is copied
  if (args.includes('--no-ship')) {
    console.log(`base model in ${src} (not shipped)`);
    return;
  }
  writeDirAtomic(shippedBaseDir, (tmp) => {
    for (const f of ['model.safetensors', 'vocab.json', 'metrics.json', 'history.json', 'config.json']) {
      writeFileAtomic(path.join(tmp, f), fs.readFileSync(path.join(src, f)));
    }
  });
  console.log(`shipped ${src} → ${path.relative(repoRoot, shippedBaseDir)}/ (commit it)`);
}

main().catch((err) => {
  console.error(`pretrain: ${(err as Error).stack ?? err}`);
  process.exit(1);
});
