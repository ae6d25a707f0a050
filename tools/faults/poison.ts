import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_FILE, WEIGHTS_FILE } from '../../lib/io/checkpoint';
import { decodeSafetensors, encodeSafetensors } from '../../lib/io/safetensors';

/**
 * Copies a checkpoint folder and sets every entry of one tensor to `value` (NaN, Infinity) in the copy, with
 * config.json's size and checksum of the weights updated: a checkpoint that is consistent on disk and holds
 * non-finite weights — what a diverged run or a tampered file looks like to the next stage.
 */
export function poisonedCopy(from: string, to: string, tensor: string, value: number): void {
  fs.cpSync(from, to, { recursive: true });
  const weightsFile = path.join(to, WEIGHTS_FILE);
  const { tensors, metadata } = decodeSafetensors(fs.readFileSync(weightsFile), weightsFile);
  const t = tensors.get(tensor);
  if (!t) throw new Error(`poisonedCopy: ${from} has no tensor ${tensor}`);
  t.data.fill(value);
  const bytes = encodeSafetensors(tensors, metadata);
  fs.writeFileSync(weightsFile, bytes);
  const configFile = path.join(to, CONFIG_FILE);
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  config.rlhf.weights.bytes = bytes.length;
  config.rlhf.weights.sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
}
