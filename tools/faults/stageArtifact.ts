import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_FILE, loadCheckpoint } from '../../lib/io/checkpoint';

/**
 * Whether a stage's folder is a complete artifact, judged against the folder a completed run left (`reference`):
 * the same files, every JSON/JSONL file readable, and for a checkpoint, weights and vocabulary matching config.json's
 * checksums and config.json's metrics equal to metrics.json (a new checkpoint beside old metrics is a mix).
 * Returns the problems (none: complete).
 */
export function stageProblems(dir: string, reference: string): string[] {
  if (!fs.existsSync(dir)) return [`${dir} is missing`];
  const want = fs.readdirSync(reference).sort();
  const have = fs.readdirSync(dir).sort();
  const problems: string[] = [];
  const missing = want.filter((f) => !have.includes(f));
  const extra = have.filter((f) => !want.includes(f));
  if (missing.length) problems.push(`${dir}: missing ${missing.join(', ')}`);
  if (extra.length) problems.push(`${dir}: unexpected ${extra.join(', ')}`);
  for (const f of have) {
    const file = path.join(dir, f);
    try {
      if (f.endsWith('.json')) JSON.parse(fs.readFileSync(file, 'utf8'));
      if (f.endsWith('.jsonl')) fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').forEach((l) => JSON.parse(l));
    } catch (err) {
      problems.push(`${file}: unreadable (${(err as Error).message})`);
    }
  }
  if (have.includes(CONFIG_FILE)) {
    try {
      const { info } = loadCheckpoint(dir);
      if (have.includes('metrics.json')) {
        const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
        if (JSON.stringify(metrics) !== JSON.stringify(info.metrics)) problems.push(`${dir}: metrics.json is not the checkpoint's metrics (two runs mixed)`);
      }
    } catch (err) {
      problems.push(`${dir}: the checkpoint does not load (${(err as Error).message})`);
    }
  }
  return problems;
}

/** Every file of a folder with its bytes (to tell an untouched folder from a replaced one). */
export function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out.set(f, fs.readFileSync(p));
  }
  return out;
}
