import { ChildProcess, spawn } from 'child_process';
import { createHmac, randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zmq from 'zeromq';

/**
 * A minimal Jupyter client (messaging protocol 5.3 over ZeroMQ), enough to run notebooks headless without
 * Python: start a kernel from its argv, send execute_request on the shell channel, collect the outputs
 * published on iopub, shut the kernel down. Messages are signed with HMAC-SHA256 as the protocol requires.
 */

/** The header of a Jupyter message. */
export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** A decoded Jupyter message (the identities, delimiter and signature are handled by this file). */
export interface JupyterMessage {
  header: MessageHeader;
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

/** How one execute_request ended. */
export interface ExecuteOutcome {
  /** 'ok' / 'error' / 'abort' come from the kernel's reply; 'timeout' and 'died' are decided here. */
  status: 'ok' | 'error' | 'abort' | 'timeout' | 'died';
  /** The kernel's execution counter for this request (null when it did not reply). */
  executionCount: number | null;
  /** Every iopub message whose parent is this request, in arrival order (status messages left out). */
  outputs: JupyterMessage[];
  /** The execute_reply content, when there was one. */
  reply: Record<string, unknown> | null;
  /** Wall time in seconds. */
  seconds: number;
}

/** Options of {@link KernelClient.start}. */
export interface KernelStartOptions {
  /** The kernel's command line; the element '{connection_file}' is replaced by the connection file's path. */
  argv: string[];
  /** Environment of the kernel process (defaults to this process's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the kernel process. */
  cwd?: string;
  /** How long to wait for the kernel's first reply, in milliseconds. */
  startupTimeoutMs?: number;
}

const DELIM = '<IDS|MSG>';

/** Signs the four JSON frames of a message the way the wire protocol specifies (HMAC over the frames). */
export function signFrames(key: string, frames: (string | Buffer)[]): string {
  const h = createHmac('sha256', key);
  for (const f of frames) h.update(f);
  return h.digest('hex');
}

/** Encodes a message into wire frames: [<IDS|MSG>, signature, header, parent_header, metadata, content]. */
export function encodeMessage(key: string, msg: JupyterMessage): string[] {
  const frames = [msg.header, msg.parent_header, msg.metadata, msg.content].map((x) => JSON.stringify(x));
  return [DELIM, signFrames(key, frames), ...frames];
}

/** Decodes wire frames (optionally preceded by routing identities) and checks the signature. */
export function decodeMessage(key: string, frames: Buffer[]): JupyterMessage {
  const d = frames.findIndex((f) => f.toString() === DELIM);
  if (d < 0 || frames.length < d + 6) throw new Error('malformed Jupyter message (no delimiter or too few frames)');
  const signature = frames[d + 1].toString();
  const body = frames.slice(d + 2, d + 6);
  const want = signFrames(key, body);
  if (signature !== want) throw new Error('Jupyter message with a bad HMAC signature');
  const [header, parent_header, metadata, content] = body.map((b) => JSON.parse(b.toString()));
  return { header, parent_header, metadata, content };
}

/** Asks the OS for a free TCP port on 127.0.0.1 (the same race-prone method jupyter_client uses). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** How long a request waits for its iopub 'idle' status once the reply has come. */
const IDLE_GRACE_MS = 30_000;

interface Pending {
  outputs: JupyterMessage[];
  reply: JupyterMessage | null;
  idle: boolean;
  /** Started when the reply arrives before 'idle'. */
  idleTimer?: NodeJS.Timeout;
  onOutput?: (msg: JupyterMessage) => void;
  settle: () => void;
}

/** A running kernel and the client side of its shell and iopub channels. */
export class KernelClient {
  private readonly session = randomUUID();
  private readonly pending = new Map<string, Pending>();
  private exitInfo: string | null = null;
  private closed = false;
  /** The kernel's own stdout/stderr outside cell execution (start-up warnings, crashes). */
  kernelLog = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly key: string,
    private readonly shell: zmq.Dealer,
    private readonly iopub: zmq.Subscriber,
    private readonly control: zmq.Dealer,
    private readonly tmpDir: string,
  ) {}

  /** Starts a kernel process, connects to it and waits until it answers a kernel_info_request. */
  static async start(opts: KernelStartOptions): Promise<KernelClient> {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rlhf-kernel-'));
    const key = randomBytes(32).toString('hex');
    const [shellPort, iopubPort, controlPort, stdinPort, hbPort] = [
      await freePort(), await freePort(), await freePort(), await freePort(), await freePort(),
    ];
    const conn = {
      transport: 'tcp', ip: '127.0.0.1', key, signature_scheme: 'hmac-sha256',
      shell_port: shellPort, iopub_port: iopubPort, control_port: controlPort, stdin_port: stdinPort, hb_port: hbPort,
    };
    const connFile = path.join(tmpDir, 'connection.json');
    fs.writeFileSync(connFile, JSON.stringify(conn));
    const argv = opts.argv.map((a) => (a === '{connection_file}' ? connFile : a));
    const child = spawn(argv[0], argv.slice(1), {
      cwd: opts.cwd, env: { ...(opts.env ?? process.env), RLHF_KERNEL_PARENT_PID: String(process.pid) }, stdio: ['ignore', 'pipe', 'pipe'], // tools/kernel.js ends with this process
    });
    const shell = new zmq.Dealer({ linger: 0 });
    const control = new zmq.Dealer({ linger: 0 });
    const iopub = new zmq.Subscriber({ linger: 0 });
    iopub.subscribe();
    shell.connect(`tcp://127.0.0.1:${shellPort}`);
    control.connect(`tcp://127.0.0.1:${controlPort}`);
    iopub.connect(`tcp://127.0.0.1:${iopubPort}`);
    const client = new KernelClient(child, key, shell, iopub, control, tmpDir);
    const log = (b: Buffer) => { client.kernelLog = (client.kernelLog + b.toString()).slice(-20000); };
    child.stdout?.on('data', log);
    child.stderr?.on('data', log);
    child.on('exit', (code, signal) => {
      client.exitInfo = signal ? `killed by ${signal}` : `exit code ${code}`;
      for (const p of client.pending.values()) p.settle();
    });
    child.on('error', (err) => {
      client.exitInfo = `could not start ${argv[0]}: ${err.message}`;
      for (const p of client.pending.values()) p.settle();
    });
    void client.receiveLoop(shell);
    void client.receiveLoop(iopub);
    void client.receiveLoop(control);
    await client.waitReady(opts.startupTimeoutMs ?? 60000);
    return client;
  }

  /** Why the kernel process ended, or null while it runs. */
  get exited(): string | null {
    return this.exitInfo;
  }

  private async receiveLoop(sock: zmq.Dealer | zmq.Subscriber): Promise<void> {
    try {
      for await (const frames of sock) {
        let msg: JupyterMessage;
        try {
          msg = decodeMessage(this.key, frames);
        } catch {
          continue; // not ours or corrupt: ignore, as Jupyter clients do
        }
        const parentId = msg.parent_header.msg_id;
        const p = parentId ? this.pending.get(parentId) : undefined;
        if (!p) continue;
        const type = msg.header.msg_type;
        if (type.endsWith('_reply')) {
          p.reply = msg;
        } else if (type === 'status') {
          if (msg.content.execution_state === 'idle') p.idle = true;
        } else {
          p.outputs.push(msg);
          p.onOutput?.(msg);
        }
        if (p.reply && p.idle) p.settle();
        else if (p.reply && !p.idleTimer) {
          // The iopub channel is a PUB socket, which drops messages when the runner falls behind (a machine under
          // load, a cell that floods progress updates): an 'idle' status lost that way must not hang the run.
          // The reply has come; outputs still in flight get a grace period, then the request settles.
          p.idleTimer = setTimeout(() => {
            if (this.pending.has(parentId!)) {
              this.kernelLog += `\n[runner] no 'idle' status ${IDLE_GRACE_MS / 1000} s after the ${type}: some outputs may be missing`;
              p.settle();
            }
          }, IDLE_GRACE_MS);
        }
      }
    } catch (err) {
      if (!this.closed) this.kernelLog += `\n[runner] socket error: ${(err as Error).message}`;
    }
  }

  private newMessage(msgType: string, content: Record<string, unknown>): JupyterMessage {
    return {
      header: {
        msg_id: randomUUID(), msg_type: msgType, session: this.session, username: 'rlhf-runner',
        date: new Date().toISOString(), version: '5.3',
      },
      parent_header: {}, metadata: {}, content,
    };
  }

  /**
   * Sends one request and waits for its reply AND the iopub 'idle' status (so every output has arrived),
   * the timeout, or the kernel's death, whichever comes first.
   */
  private request(
    channel: 'shell' | 'control', msgType: string, content: Record<string, unknown>, timeoutMs: number,
    onOutput?: (msg: JupyterMessage) => void,
  ): Promise<{ p: Pending; timedOut: boolean }> {
    const msg = this.newMessage(msgType, content);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const p: Pending = {
        outputs: [], reply: null, idle: false, onOutput,
        settle: () => {
          if (timer) clearTimeout(timer);
          if (p.idleTimer) clearTimeout(p.idleTimer);
          this.pending.delete(msg.header.msg_id);
          resolve({ p, timedOut: false });
        },
      };
      this.pending.set(msg.header.msg_id, p);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.pending.delete(msg.header.msg_id);
          resolve({ p, timedOut: true });
        }, timeoutMs);
      }
      if (this.exitInfo || this.closed) { p.settle(); return; }
      const sock = channel === 'shell' ? this.shell : this.control;
      try {
        sock.send(encodeMessage(this.key, msg)).catch(() => p.settle());
      } catch {
        p.settle();
      }
    });
  }

  /**
   * Waits for the kernel to answer. The iopub subscription connects asynchronously (ZeroMQ's "slow joiner"),
   * so kernel_info_request is repeated until both the reply and the matching iopub status have arrived.
   */
  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitInfo) break;
      const { p } = await this.request('shell', 'kernel_info_request', {}, 1000);
      if (p.reply && p.idle) return;
    }
    const why = this.exitInfo ? `the kernel process ended (${this.exitInfo})` : `no answer within ${timeoutMs / 1000} s`;
    this.kill();
    throw new Error(`kernel did not start: ${why}${this.kernelLog.trim() ? `\n${this.kernelLog.trim()}` : ''}`);
  }

  /** Executes code; on timeout the kernel is killed (a hung cell cannot be trusted to stop on interrupt). */
  async execute(code: string, opts: { timeoutMs?: number; onOutput?: (msg: JupyterMessage) => void } = {}):
    Promise<ExecuteOutcome> {
    const t0 = Date.now();
    const content = { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true };
    const { p, timedOut } = await this.request('shell', 'execute_request', content, opts.timeoutMs ?? 0, opts.onOutput);
    const seconds = (Date.now() - t0) / 1000;
    const reply = p.reply ? p.reply.content : null;
    const executionCount = reply && typeof reply.execution_count === 'number' ? reply.execution_count : null;
    if (timedOut) {
      this.kill();
      return { status: 'timeout', executionCount, outputs: p.outputs, reply, seconds };
    }
    if (!p.reply) return { status: 'died', executionCount, outputs: p.outputs, reply, seconds };
    const s = reply?.status;
    const status = s === 'ok' || s === 'error' || s === 'abort' ? s : 'error';
    return { status, executionCount, outputs: p.outputs, reply, seconds };
  }

  /** Asks the kernel to shut down, then makes sure the process is gone and the sockets are closed. */
  async shutdown(graceMs = 3000): Promise<void> {
    if (!this.exitInfo && !this.closed) {
      await this.request('control', 'shutdown_request', { restart: false }, 1000);
      const gone = new Promise<void>((r) => (this.exitInfo ? r() : this.child.once('exit', () => r())));
      await Promise.race([gone, new Promise((r) => setTimeout(r, graceMs))]);
    }
    this.kill();
  }

  /** Kills the kernel process (SIGKILL) and releases sockets and the connection file. */
  kill(): void {
    if (!this.exitInfo && this.child.exitCode === null) this.child.kill('SIGKILL');
    if (!this.closed) {
      this.closed = true;
      this.shell.close();
      this.iopub.close();
      this.control.close();
      fs.rmSync(this.tmpDir, { recursive: true, force: true });
    }
  }
}
