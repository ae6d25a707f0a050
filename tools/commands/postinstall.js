'use strict';
// Runs after `npm install` / `npm ci` (package.json "install" script). It must never fail the install:
// every step warns and carries on.
//  1. builds the native kernels when tools/native/build-native.js exists (it warns by itself on failure);
//  2. writes the project's Jupyter kernel spec .jupyter/kernels/rlhf-tslab/kernel.json (absolute paths,
//     git-ignored), used through JUPYTER_PATH=.jupyter and by the headless notebook runner;
//  3. ends with one line naming the engine a notebook will use (tools/commands/which-engine.ts), the addon's check in a
//     child process included, so a machine where the native kernels cannot run says so here.

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

function step(name, fn) {
  try {
    fn();
  } catch (err) {
    console.warn(`postinstall: ${name} skipped: ${err && err.message ? err.message : err}`);
  }
}

const root = path.resolve(__dirname, '..', '..');

step('native build', () => {
  const script = path.join(root, 'tools', 'native', 'build-native.js');
  if (!fs.existsSync(script)) return;
  const r = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
});

step('kernel spec', () => {
  const { writeKernelSpec, projectJupyterPath } = require('../notebook/kernelspec');
  const file = writeKernelSpec(path.join(projectJupyterPath, 'kernels'));
  console.log(`postinstall: Jupyter kernel spec written to ${path.relative(root, file)} (use JUPYTER_PATH=.jupyter, or npm run kernel:install)`);
});

step('engine', () => {
  const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  if (!fs.existsSync(tsx)) return;
  const r = spawnSync(process.execPath, [tsx, path.join(root, 'tools', 'commands', 'which-engine.ts')], { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
});
