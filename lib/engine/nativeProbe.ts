import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { writeJsonAtomic } from '../core/atomic';

/**
 * Checks the native addon in a child process before the caller loads it in its own process. Loading a shared
 * object runs its code at once (static constructors, ISA-specific instructions); if that code crashes, the
 * crash takes the whole process down — a notebook's kernel, a script, a test run — with no chance to fall
 * back. The child takes the crash instead, and the verdict is cached beside the addon, keyed by the addon's
 * bytes, the CPU, the Node ABI and the requested instruction set, so the check costs one child process once.
 */

/** What the check found. `ok` false carries one sentence naming the cause. */
export interface ProbeVerdict {
  ok: boolean;
  /** The cause, when not ok: one sentence, e.g. "its check process was killed by SIGILL (…)". */
  cause?: string;
  /** The addon's info() in the child, when it loaded. */
  info?: { isa: string; threads: number };
}

export interface ProbeRequest {
  /** The addon file (.node). */
  addonPath: string;
  /** Functions the JavaScript side needs; a missing one means the addon was built from older sources. */
  functions: string[];
  /** configure() arguments, as the caller will pass them. */
  threads: number;
  isa: string;
  spinMicroseconds: number;
}

/** The code the child runs: load, check the functions, configure, run the self-test, print JSON. */
const CHILD = `
const req = JSON.parse(process.argv[1]);
const addon = require(req.addonPath);
const missing = req.functions.filter((f) => typeof addon[f] !== 'function');
if (missing.length > 0) { console.log(JSON.stringify({ missing })); process.exit(0); }
if (!addon.configure(req.threads, req.isa, req.spinMicroseconds)) { console.log(JSON.stringify({ unsupportedIsa: req.isa })); process.exit(0); }
const info = addon.info();
const selfTest = typeof addon.selfTest === 'function' ? addon.selfTest() : { ok: true, failures: [] };
console.log(JSON.stringify({ info, selfTest }));
`;

/** The signals a broken addon dies of, and what each usually means. */
const SIGNAL_MEANING: Record<string, string> = {
  SIGILL: 'an instruction this CPU does not have',
  SIGSEGV: 'a memory fault',
  SIGBUS: 'a memory fault',
  SIGABRT: 'an abort',
  SIGFPE: 'an arithmetic fault',
};

/** ELF machine numbers of the architectures Node runs on here. */
const ELF_MACHINE: Record<number, string> = { 0x03: 'ia32', 0x28: 'arm', 0x3e: 'x64', 0xb7: 'arm64', 0xf3: 'riscv64' };

/**
 * The architecture or platform a shared object was built for, when it is not this process's (read from its
 * header: ELF's e_machine, or a Mach-O / PE magic); null when it matches or cannot be told.
 */
export function foreignBinary(file: string): string | null {
  const head = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 20, 0);
  } finally {
    fs.closeSync(fd);
  }
  const magic = head.readUInt32BE(0);
  if (magic === 0x7f454c46) {
    if (process.platform !== 'linux' && process.platform !== 'freebsd') return `an ELF (Linux) binary, and this is ${process.platform}`;
    const machine = head.readUInt16LE(18);
    const arch = ELF_MACHINE[machine] ?? `ELF machine 0x${machine.toString(16)}`;
    return arch === process.arch ? null : `built for ${arch}, and this CPU is ${process.arch}`;
  }
  if ([0xfeedfacf, 0xcffaedfe, 0xcafebabe].includes(magic)) {
    return process.platform === 'darwin' ? null : `a macOS (Mach-O) binary, and this is ${process.platform}`;
  }
  if (head.readUInt16BE(0) === 0x4d5a) return process.platform === 'win32' ? null : `a Windows binary, and this is ${process.platform}`;
  return null;
}

/** Runs the check in a child process (no cache). */
export function probeInChild(req: ProbeRequest, timeoutMs = 120_000): ProbeVerdict {
  const foreign = foreignBinary(req.addonPath);
  if (foreign) return { ok: false, cause: `it was built for another architecture or platform (${foreign}); rebuild it here with: npm run build:native` };
  const r = spawnSync(process.execPath, ['-e', CHILD, JSON.stringify(req)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (r.error) return { ok: false, cause: `its check process could not run (${r.error.message})` };
  if (r.signal) {
    const meaning = SIGNAL_MEANING[r.signal];
    return { ok: false, cause: `its check process was killed by ${r.signal}${meaning ? ` (${meaning})` : ''}` };
  }
  if (r.status !== 0) return { ok: false, cause: loadErrorCause(r.stderr || r.stdout || `exit code ${r.status}`) };
  const lastLine = r.stdout.trim().split('\n').pop() ?? '';
  let out: { missing?: string[]; unsupportedIsa?: string; info?: { isa: string; threads: number };
    selfTest?: { ok: boolean; failures: string[] } };
  try {
    out = JSON.parse(lastLine);
  } catch {
    return { ok: false, cause: `its check process printed no verdict (${lastLine.slice(0, 200) || 'nothing'})` };
  }
  if (out.missing) {
    return { ok: false, cause: `it is out of date (no ${out.missing.join(', ')}); rebuild it with: npm run build:native` };
  }
  if (out.unsupportedIsa !== undefined) {
    return { ok: false, cause: `RLHF_ISA=${out.unsupportedIsa} is not supported by this CPU or build` };
  }
  if (out.selfTest && !out.selfTest.ok) {
    const f = out.selfTest.failures;
    return { ok: false, cause: `its self-test failed on ${out.info?.isa ?? 'this'} kernels (${f.slice(0, 3).join('; ')}${f.length > 3 ? `; ${f.length - 3} more` : ''})` };
  }
  return { ok: true, info: out.info };
}

/** One sentence from a failed require()'s message. */
function loadErrorCause(stderr: string): string {
  const text = stderr.trim();
  if (/wrong ELF class|not a mach-o file|incompatible architecture|Exec format error|ELF file's phentsize|machine type/i.test(text)) {
    return `it was built for another architecture or platform (${firstErrorLine(text)})`;
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version/i.test(text)) {
    return `it was built for another version of Node.js; rebuild it with: npm run build:native (${firstErrorLine(text)})`;
  }
  if (/undefined symbol|symbol not found/i.test(text)) {
    return `it refers to a symbol that is missing here (${firstErrorLine(text)})`;
  }
  return `it does not load (${firstErrorLine(text)})`;
}

function firstErrorLine(text: string): string {
  const line = text.split('\n').find((l) => /Error|error:/.test(l)) ?? text.split('\n')[0];
  return line.trim().slice(0, 240);
}

/** What identifies the CPU for the cache: architecture, model name and (on Linux) its feature flags. */
function cpuKey(): string {
  let flags = '';
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    flags = /^(flags|Features)\s*:(.*)$/m.exec(info)?.[2]?.trim() ?? '';
  } catch {
    // not Linux: the model name and architecture identify it well enough
  }
  return `${process.arch}|${os.cpus()[0]?.model ?? '?'}|${flags}`;
}

function cacheKey(req: ProbeRequest): string {
  const h = crypto.createHash('sha256');
  h.update(fs.readFileSync(req.addonPath));
  h.update(`\0${cpuKey()}\0${process.versions.modules}\0${req.isa}\0${req.functions.join(',')}`);
  return h.digest('hex');
}

/** The verdict cache: a JSON file beside the addon mapping keys to verdicts. */
export function verdictCachePath(addonPath: string): string {
  return `${addonPath}.verdicts.json`;
}

/**
 * The cached verdict for this addon on this CPU, or a fresh check in a child process (then cached; a cache
 * that cannot be written only costs the check again next time).
 */
export function probeNativeAddon(req: ProbeRequest): ProbeVerdict {
  const key = cacheKey(req);
  const cacheFile = verdictCachePath(req.addonPath);
  let cache: Record<string, ProbeVerdict> = {};
  try {
    cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, ProbeVerdict>;
  } catch {
    cache = {};
  }
  const hit = cache[key];
  if (hit && typeof hit.ok === 'boolean') return hit;
  const verdict = probeInChild(req);
  try {
    writeJsonAtomic(cacheFile, { ...cache, [key]: verdict });
  } catch {
    // read-only install: the check runs again next time
  }
  return verdict;
}
