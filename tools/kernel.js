#!/usr/bin/env node
'use strict';
// The workbook's Jupyter kernel: tslab started from the repository root, so that tslab's root dir is the
// repository and notebooks import the library as `./lib/...`. Started by Jupyter (kernel.json) and by
// tools/run-notebooks.ts with: node tools/kernel.js --config-path <connection-file>.

const path = require('path');

const i = process.argv.indexOf('--config-path');
const configPath = i >= 0 ? process.argv[i + 1] : undefined;
if (!configPath) {
  console.error('usage: node tools/kernel.js --config-path <connection-file.json>');
  process.exit(2);
}
const absConfig = path.resolve(configPath); // resolve before chdir: Jupyter may pass a relative path
process.chdir(path.resolve(__dirname, '..'));
// The local tslab only (enableFindLocal: false), so a global tslab never takes over.
require('tslab/dist/main').startKernel({ configPath: absConfig, enableFindLocal: false });
