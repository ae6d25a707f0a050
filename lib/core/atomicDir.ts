import * as fs from 'fs';
import * as path from 'path';

/**
 * Folders that appear whole: a checkpoint or a stage's outputs is several files, so it is written into a temporary
 * folder beside its place and renamed into it. A process killed at any moment (Ctrl-C, kill -9, a kernel restart)
 * leaves the old folder or the new one, never a mix, plus a temporary entry that {@link removeStaleTemps} clears
 * on the next run.
 *
 * Temporary entries are hidden siblings named `.<name>.<kind>-<pid>-<random>`: kind `tmp` (a folder being written),
 * `old` (the folder being replaced, between the two renames of {@link replaceDir}). The files of lib/atomic.ts are
 * `<file>.<pid>.<time>.tmp`. Both carry the writer's process id, so a run never removes what a live process is
 * writing.
 */

/** The hidden sibling `.<name>.<kind>-<pid>-<random>` of `target`. */
export function tempSibling(target: string, kind: 'tmp' | 'old'): string {
  const rand = Math.random().toString(36).slice(2, 8);
  return path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${process.pid}-${rand}`);
}

/** Flushes a folder's entries (renames) to disk; a no-op where folders cannot be opened. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a folder: the rename is still atomic, only its durability is the OS's.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Moves the complete folder `src` to `dest`. An existing `dest` is first renamed aside and removed after: killed
 * between the two renames, `dest` is briefly missing and {@link removeStaleTemps} puts the old folder back.
 */
export function replaceDir(src: string, dest: string): void {
  if (!fs.existsSync(dest)) {
    fs.renameSync(src, dest);
  } else {
    const old = tempSibling(dest, 'old');
    fs.renameSync(dest, old);
    try {
      fs.renameSync(src, dest);
    } catch (err) {
      fs.renameSync(old, dest);
      throw err;
    }
    fs.rmSync(old, { recursive: true, force: true });
  }
  fsyncDir(path.dirname(dest));
}

/**
 * Writes a folder atomically: `fill` writes the files into a fresh temporary folder beside `dir`, which then
 * replaces `dir` as a whole (files of an earlier `dir` not written again are gone). If `fill` throws, the temporary
 * folder is removed and `dir` is unchanged.
 */
export function writeDirAtomic<T>(dir: string, fill: (tmp: string) => T): T {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  removeStaleTemps(path.dirname(dir));
  const tmp = tempSibling(dir, 'tmp');
  fs.mkdirSync(tmp);
  try {
    const out = fill(tmp);
    replaceDir(tmp, dir);
    return out;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** Whether a process with this id runs (this process included). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temporary entry's target name, kind and writer, or null for an ordinary entry. */
export function parseTempName(name: string): { target: string; kind: 'tmp' | 'old' | 'file'; pid: number } | null {
  const dirTemp = /^\.(.+)\.(tmp|old)-(\d+)-[0-9a-z]+$/.exec(name);
  if (dirTemp) return { target: dirTemp[1], kind: dirTemp[2] as 'tmp' | 'old', pid: Number(dirTemp[3]) };
  const fileTemp = /^(.+)\.(\d+)\.[0-9a-z]+\.tmp$/.exec(name);
  if (fileTemp) return { target: fileTemp[1], kind: 'file', pid: Number(fileTemp[2]) };
  return null;
}

/**
 * Clears what killed writers left in `dir` (not recursive): temporary files and folders of processes that no longer
 * run are removed; a folder renamed aside by {@link replaceDir} goes back to its place when that place is empty
 * (the kill fell between the two renames), otherwise it is removed. Returns what it did, one line per entry.
 */
export function removeStaleTemps(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const done: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const t = parseTempName(name);
    if (!t || isAlive(t.pid)) continue;
    const p = path.join(dir, name);
    const target = path.join(dir, t.target);
    if (t.kind === 'old' && !fs.existsSync(target)) {
      fs.renameSync(p, target);
      done.push(`restored ${target} (its replacement was interrupted)`);
    } else {
      fs.rmSync(p, { recursive: true, force: true });
      done.push(`removed ${p} (left by an interrupted run)`);
    }
  }
  return done;
}

/** {@link removeStaleTemps} on `dir` and on each of its sub-folders (one level): a run folder and its stages. */
export function removeStaleTempsUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const done = removeStaleTemps(dir);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && parseTempName(e.name) === null) done.push(...removeStaleTemps(path.join(dir, e.name)));
  }
  return done;
}
