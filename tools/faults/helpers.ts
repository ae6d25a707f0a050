import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseTempName } from '../../lib/core/atomicDir';
import { repoRoot } from '../../lib/core/paths';

/** Shared steps of the fault-injection cases: running the workbook's commands, making run folders, checking them. */

/** A command's end and everything it printed. */
export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** A running command (its own process group, so that a kill reaches the runner and its kernel, as Ctrl-C does). */
export interface Running {
  pid: number;
  done: Promise<CommandResult>;
  /** Sends `signal` to the whole process group (`group`) or to the runner process alone. */
  kill(signal: NodeJS.Signals, group?: boolean): void;
}

/** Starts `npx tsx <args>` from the repository root in smoke mode with the given run folder. */
export function startTool(args: string[], runDir: string, env: Record<string, string> = {}): Running {
  const child = spawn('npx', ['tsx', ...args], {
    cwd: repoRoot, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RLHF_SMOKE: '1', RLHF_RUN_DIR: runDir, ...env },
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { output += b.toString(); });
  const done = new Promise<CommandResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  const pid = child.pid!;
  return {
    pid, done,
    kill(signal, group = true) {
      try {
        process.kill(group ? -pid : pid, signal);
      } catch {
        // already ended
      }
    },
  };
}

/** Runs `npx tsx <args>` to the end (see {@link startTool}). */
export function runTool(args: string[], runDir: string, env: Record<string, string> = {}): Promise<CommandResult> {
  return startTool(args, runDir, env).done;
}

/** Runs notebooks headless (tools/notebook/run-notebooks.ts) in smoke mode with the given run folder. */
export function runNotebooks(notebooks: string[], runDir: string, env: Record<string, string> = {}): Promise<CommandResult> {
  return runTool(['tools/notebook/run-notebooks.ts', ...notebooks], runDir, env);
}

/** A fresh temporary folder. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `rlhf-faults-${prefix}-`));
}

/** Copies a run folder (the stages' outputs; not the executed notebooks). */
export function copyRunDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== 'notebooks' && !e.name.startsWith('.')) fs.cpSync(path.join(from, e.name), path.join(to, e.name), { recursive: true });
  }
}

/** Temporary files and folders anywhere under `dir` (the names lib/atomic.ts and lib/atomicDir.ts give them). */
export function tempEntries(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (parseTempName(e.name)) out.push(path.relative(dir, p));
      else if (e.isDirectory()) walk(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** Processes whose environment names this run folder (a runner or kernel still alive after a kill). */
export function processesOf(runDir: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const env = fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      if (env.includes(`RLHF_RUN_DIR=${runDir}`)) pids.push(Number(name));
    } catch {
      // ended, or not ours
    }
  }
  return pids;
}

/** The parent process id of a process (from /proc), or null when it has ended. */
function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * The process that runs the notebooks of this run folder (the parent of its kernel, tools/notebook/kernel.js), once a
 * kernel runs; null when none does. `npx tsx` starts it two processes down, so the id of the spawned command is not it.
 */
export function notebookRunnerPid(runDir: string): number | null {
  for (const pid of processesOf(runDir)) {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes('kernel.js')) return parentOf(pid);
  }
  return null;
}

/** Waits until `check` is true (polled every `everyMs`) or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return check();
}
