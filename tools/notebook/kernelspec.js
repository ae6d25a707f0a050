'use strict';
// The workbook's Jupyter kernel spec, shared by tools/commands/postinstall.js (project-local copy under .jupyter/,
// used through JUPYTER_PATH) and tools/notebook/install-kernel.js (a copy in the user's own Jupyter).
// Plain JavaScript on purpose: it runs during `npm install`, before anything is compiled.

const fs = require('fs');
const path = require('path');

/** The repository root (this file lives in tools/). */
const repoRoot = path.resolve(__dirname, '..', '..');

/** Name under which Jupyter knows the kernel; notebooks name it in metadata.kernelspec.name. */
const kernelName = 'rlhf-tslab';

/** The kernel.json contents: node (absolute path) starting tools/notebook/kernel.js with Jupyter's connection file. */
function kernelSpec() {
  return {
    argv: [process.execPath, path.join(repoRoot, 'tools', 'notebook', 'kernel.js'), '--config-path', '{connection_file}'],
    display_name: 'TypeScript (RLHF workbook)',
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { debugger: false },
  };
}

/** Writes <kernelsDir>/rlhf-tslab/kernel.json atomically and returns its path. */
function writeKernelSpec(kernelsDir) {
  const dir = path.join(kernelsDir, kernelName);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(kernelSpec(), null, 2) + '\n');
  fs.renameSync(tmp, file);
  return file;
}

/** The project-local Jupyter data folder: run Jupyter with JUPYTER_PATH=<this> to find the kernel. */
const projectJupyterPath = path.join(repoRoot, '.jupyter');

module.exports = { repoRoot, kernelName, kernelSpec, writeKernelSpec, projectJupyterPath };
