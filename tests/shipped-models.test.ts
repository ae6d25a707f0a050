import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initEngine } from '../lib/engine/engine';
import { dataDir } from '../lib/core/paths';
import { loadModel, loadRewardModel, shippedBaseDir } from '../lib/io/artifacts';
import { loadCheckpoint, readCheckpointInfo } from '../lib/io/checkpoint';

/**
 * The default run's SFT model and reward model ship in data/ so that every notebook opens on its own: they load with
 * the current checkpoint schema (checksums, Hugging Face fields, heads), and they chain: the reward model was made
 * from the shipped SFT model, which was made from the shipped base model.
 */

before(async () => {
  await initEngine({ quiet: true });
});

test('data/sft and data/rm load with the current schema and chain to data/base', () => {
  const base = readCheckpointInfo(shippedBaseDir).info;
  const sftDir = path.join(dataDir, 'sft');
  const rmDir = path.join(dataDir, 'rm');
  for (const dir of [sftDir, rmDir]) loadCheckpoint(dir); // checksums, structure, finite weights
  const sft = loadModel(sftDir, { trainable: false });
  assert.deepEqual(sft.info.model, base.model, 'the SFT model has the base model\'s architecture');
  assert.equal(sft.info.inputs?.base, base.weights.sha256, 'made from the shipped base model');
  const rm = loadRewardModel(rmDir, { reference: sft });
  assert.equal(rm.info.inputs?.sft, sft.info.weights.sha256, 'made from the shipped SFT model');
  assert.ok(rm.reward.form.length > 0);
  sft.model.dispose();
  rm.model.dispose();
});
