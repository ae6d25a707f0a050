import * as fs from 'fs';
import * as path from 'path';

/**
 * One writer per file: a lock file `<file>.lock` created with O_EXCL (so exactly one process can create it) and
 * holding the owner's pid. A lock whose pid is no longer running (a process killed with `kill -9`) is stale and is
 * taken over; a lock held by a live process is refused with a message naming the file and that pid. The lock is
 * removed when released and, as a last resort, when the process exits.
 */

/** A held lock; `release()` removes the lock file (once; later calls do nothing). */
export interface FileLock {
  /** The lock file, `<file>.lock`. */
  lockFile: string;
  release(): void;
}

/** Thrown when another live process holds the lock. */
export class LockHeldError extends Error {
  constructor(readonly file: string, readonly pid: number, readonly lockFile: string, purpose: string) {
    super(`${file} is already in use by ${purpose} with pid ${pid} (lock file ${lockFile}); stop that process first, or use another file`);
    this.name = 'LockHeldError';
  }
}

/** Whether a process with this pid is running (EPERM: it runs under another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a lock file names, or undefined if it is unreadable or malformed. */
function lockOwner(lockFile: string): number | undefined {
  try {
    const text = fs.readFileSync(lockFile, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the lock file exclusively; false if it exists already. */
function tryCreate(lockFile: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, `${process.pid}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Takes the lock of `file` for this process (`purpose` names the holder in the refusal, e.g. "a ranking
 * server"). Throws LockHeldError if a live process holds it; takes over a stale lock of a dead pid.
 */
export function acquireFileLock(file: string, purpose: string): FileLock {
  const lockFile = `${path.resolve(file)}.lock`;
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    if (tryCreate(lockFile)) break;
    const owner = lockOwner(lockFile);
    if (owner !== undefined && isProcessAlive(owner)) throw new LockHeldError(file, owner, lockFile, purpose);
    // A lock being written this very moment reads as empty: give its writer one more look before calling it stale.
    if (owner === undefined && attempt === 0) continue;
    if (attempt >= 2) throw new Error(`${file}: could not take the lock ${lockFile} (another process keeps taking it)`);
    fs.rmSync(lockFile, { force: true }); // stale: its process is gone
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    if (lockOwner(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
  };
  process.on('exit', release);
  return { lockFile, release };
}
