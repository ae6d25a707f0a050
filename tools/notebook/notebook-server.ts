import { ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as net from 'net';

/**
 * Debian's classic Jupyter Notebook server (`python3 -m notebook`, package jupyter-notebook), started for a
 * browser check: 127.0.0.1 only, an ephemeral port, a random token, no browser, the file system root as its
 * notebook folder (so any notebook opens by its absolute path). The environment is passed on to the kernels
 * it starts (JUPYTER_PATH for the project's kernel spec, RLHF_SMOKE, RLHF_RUN_DIR).
 */

/** A running server. */
export interface NotebookServer {
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  token: string;
  /** The page of a notebook given by its absolute path, with the token. */
  notebookUrl(absolutePath: string): string;
  /** Everything the server printed (for error messages). */
  log(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitForApi(baseUrl: string, token: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`the Jupyter Notebook server exited (code ${child.exitCode}):\n${log().trim()}`);
    try {
      const r = await fetch(`${baseUrl}/api/status?token=${token}`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`the Jupyter Notebook server did not answer within ${timeoutMs / 1000} s:\n${log().trim()}`);
}

/** Shuts down every kernel the server runs (through its REST API), so none outlives the server. */
async function shutDownKernels(baseUrl: string, token: string): Promise<void> {
  try {
    const r = await fetch(`${baseUrl}/api/kernels?token=${token}`);
    const kernels = (await r.json()) as { id: string }[];
    for (const k of kernels) await fetch(`${baseUrl}/api/kernels/${k.id}?token=${token}`, { method: 'DELETE' });
  } catch {
    // the server is gone already; its kernels went with it
  }
}

/**
 * Starts the server and waits until its API answers. Checkpoints (which classic Notebook otherwise keeps in an
 * .ipynb_checkpoints folder beside every notebook it opens) go to `checkpointDir`.
 */
export async function startNotebookServer(env: NodeJS.ProcessEnv, checkpointDir: string,
  python = process.env.JUPYTER_PYTHON ?? '/usr/bin/python3'): Promise<NotebookServer> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const child = spawn(python, [
    '-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
    `--NotebookApp.token=${token}`, '--notebook-dir=/', '--NotebookApp.open_browser=False',
    `--FileCheckpoints.checkpoint_dir=${checkpointDir}`,
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []), // CI runs as root
  ], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr?.on('data', (b: Buffer) => { output += b.toString(); });
  const spawnError = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`${python} -m notebook: ${e.message}`))));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await shutDownKernels(baseUrl, token);
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await Promise.race([waitForApi(baseUrl, token, child, () => output, 60000), spawnError]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    baseUrl,
    token,
    notebookUrl: (p) => `${baseUrl}/notebooks${p.split('/').map(encodeURIComponent).join('/')}?token=${token}`,
    log: () => output,
    stop,
  };
}
