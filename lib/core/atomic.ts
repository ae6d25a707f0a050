import * as fs from 'fs';
import * as path from 'path';

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, which is then renamed over
 * the target. A crash leaves either the old file or the new one, never a half-written one.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes JSON (pretty-printed, trailing newline) atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Appends lines to a file so that readers never see a partial line: the whole new content is written to a
 * temporary file and renamed over the old one.
 */
export function appendLinesAtomic(file: string, lines: string[]): void {
  const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const sep = old.length > 0 && !old.endsWith('\n') ? '\n' : '';
  writeFileAtomic(file, old + sep + lines.map((l) => l + '\n').join(''));
}
