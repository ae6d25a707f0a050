'use strict';
// `npm run kernel:install`: installs the workbook's kernel ("TypeScript (RLHF workbook)") into the user's own
// Jupyter kernels folder, for JupyterLab / classic Jupyter / VS Code. No Python needed. The kernel keeps
// pointing at this checkout (absolute paths); rerun after moving the folder.
//
// Where: $JUPYTER_DATA_DIR/kernels if set; otherwise Jupyter's per-user data dir:
//   Linux: ${XDG_DATA_HOME:-~/.local/share}/jupyter   macOS: ~/Library/Jupyter   Windows: %APPDATA%\jupyter
// `node tools/notebook/install-kernel.js --dir <kernels-dir>` writes somewhere else.

const os = require('os');
const path = require('path');
const { writeKernelSpec, kernelName } = require('./kernelspec');

function userKernelsDir() {
  if (process.env.JUPYTER_DATA_DIR) return path.join(process.env.JUPYTER_DATA_DIR, 'kernels');
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Jupyter', 'kernels');
  if (process.platform === 'win32') {
    return path.join(process.env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'jupyter', 'kernels');
  }
  const xdg = process.env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  return path.join(xdg, 'jupyter', 'kernels');
}

const i = process.argv.indexOf('--dir');
const dir = i >= 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : userKernelsDir();
const file = writeKernelSpec(dir);
console.log(`installed kernel "${kernelName}" → ${file}`);
console.log('Open a notebook in JupyterLab or VS Code and pick "TypeScript (RLHF workbook)".');
