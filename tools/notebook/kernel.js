#!/usr/bin/env node
'use strict';
// The workbook's Jupyter kernel: tslab started from the repository root, so that tslab's root dir is the
// repository and notebooks import the library as `./lib/...`. Started by Jupyter (kernel.json) and by
// tools/notebook/run-notebooks.ts with: node tools/notebook/kernel.js --config-path <connection-file>.

const path = require('path');

const i = process.argv.indexOf('--config-path');
const configPath = i >= 0 ? process.argv[i + 1] : undefined;
if (!configPath) {
  console.error('usage: node tools/notebook/kernel.js --config-path <connection-file.json>');
  process.exit(2);
}
const absConfig = path.resolve(configPath); // resolve before chdir: Jupyter may pass a relative path
// Jupyter starts a kernel in the notebook's folder. A kernel spec holds the absolute path of the checkout where
// `npm install` wrote it, so a notebook of a copied or moved checkout would run that other checkout's library.
const startedIn = process.cwd();
const root = path.resolve(__dirname, '..', '..');
process.chdir(root);

/** Whether `dir` is the checkout's root or inside it. */
function insideCheckout(dir) {
  const rel = path.relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * A notebook outside this kernel's checkout is refused: every cell replies with an error that names both folders
 * and the command that fixes it, instead of quietly running the other checkout's code.
 */
function refuseForeignNotebooks() {
  if (insideCheckout(startedIn) || process.env.RLHF_KERNEL_ANY_FOLDER === '1') return;
  const { JupyterHandlerImpl } = require('tslab/dist/jupyter');
  if (!JupyterHandlerImpl || typeof JupyterHandlerImpl.prototype.handleExecute !== 'function') return;
  const message = `This notebook is in ${startedIn}, but this kernel is the workbook at ${root} (its kernel spec was written ` +
    `there by npm install), so it would run that checkout's library. Run \`npm install\` (or \`npm run kernel:install\`) ` +
    `in the checkout that holds this notebook, then restart the kernel.`;
  JupyterHandlerImpl.prototype.handleExecute = async function (req, writeStream) {
    writeStream('stderr', message + '\n');
    return { status: 'error', execution_count: 0, ename: 'WrongCheckout', evalue: message, traceback: [message] };
  };
}

/**
 * tslab prints a failing cell's error on stderr and replies {status: 'error'} without ename/evalue/traceback, so
 * Jupyter clients (nbclient in CI) report a bare "<Error>". This wraps tslab 1.0.22's handler to copy the error
 * it printed into the reply. If tslab's internals differ, the kernel runs unchanged.
 */
function reportErrorsInReplies() {
  const { JupyterHandlerImpl } = require('tslab/dist/jupyter');
  const original = JupyterHandlerImpl && JupyterHandlerImpl.prototype.handleExecute;
  if (typeof original !== 'function') return;
  JupyterHandlerImpl.prototype.handleExecute = async function (req, writeStream, writeDisplayData) {
    let stderr = '';
    const tee = (name, text) => {
      if (name === 'stderr') stderr = (stderr + text).slice(-20000);
      return writeStream(name, text);
    };
    const reply = await original.call(this, req, tee, writeDisplayData);
    if (reply && reply.status === 'error') {
      const lines = stderr.replace(/\u001b\[[0-9;]*m/g, '').split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
      const diag = lines.find((l) => /^(\S+ )?\d+:\d+ - /.test(l));
      const thrown = lines.map((l) => l.trim().match(/^(?:Uncaught )?([\w$.]*(?:Error|Exception)):? ?(.*)$/)).find((m) => m);
      if (diag) Object.assign(reply, { ename: 'TypeScriptError', evalue: diag.trim() });
      else if (thrown) Object.assign(reply, { ename: thrown[1], evalue: thrown[2] });
      else Object.assign(reply, { ename: 'Error', evalue: lines[lines.length - 1] || '(no message)' });
      reply.traceback = lines;
    }
    return reply;
  };
}

// zeromq 6 throws "Socket is busy writing" when tslab sends while a send is in progress: queue them instead.
{
  const zmq = require('zeromq');
  const { queueSends } = require('./zmq-send-queue');
  for (const Socket of [zmq.Publisher, zmq.Router, zmq.Reply]) queueSends(Socket.prototype);
}
/**
 * Notebooks import a library folder through its index (`import { GPT } from './lib/model'`). tslab resolves a
 * relative import of its compiled TypeScript as `<path>.js` only; this makes a folder with an index.ts resolve to
 * `<path>/index.js`, as Node and TypeScript do. If tslab's internals differ, the kernel runs unchanged.
 */
function resolveFolderImports() {
  const fs = require('fs');
  const tspath = require('tslab/dist/tspath');
  const join = tspath && tspath.normalizeJoin;
  if (typeof join !== 'function') return;
  tspath.normalizeJoin = (...parts) => {
    const joined = join(...parts);
    const id = parts[parts.length - 1];
    if (parts.length === 2 && typeof id === 'string' && id.startsWith('.') && fs.existsSync(path.join(joined, 'index.ts'))) {
      return `${joined}/index.js`;
    }
    return joined;
  };
}

reportErrorsInReplies();
resolveFolderImports();
refuseForeignNotebooks();

/**
 * Headless runs (tools/notebook/run-notebooks.ts sets RLHF_KERNEL_PARENT_PID): the kernel ends with the process that
 * started it. A runner killed by Ctrl-C or kill -9 would otherwise leave the kernel running its cell (even writing
 * outputs) with no one to read them. A worker thread watches, so that a long synchronous cell cannot delay it.
 */
function exitWithParent() {
  const parent = Number(process.env.RLHF_KERNEL_PARENT_PID);
  if (!Number.isInteger(parent) || parent <= 0) return;
  const { Worker } = require('worker_threads');
  const watch = `
    const { workerData } = require('worker_threads');
    const alive = () => { try { process.kill(workerData.parent, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
    setInterval(() => { if (process.ppid !== workerData.parent || !alive()) process.kill(workerData.self, 'SIGKILL'); }, 250);
  `;
  new Worker(watch, { eval: true, workerData: { parent, self: process.pid } }).unref();
}
exitWithParent();
// The local tslab only (enableFindLocal: false), so a global tslab never takes over.
require('tslab/dist/main').startKernel({ configPath: absConfig, enableFindLocal: false });
