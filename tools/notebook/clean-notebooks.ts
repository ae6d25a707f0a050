import * as path from 'path';
import { writeFileAtomic } from '../../lib/core/atomic';
import { allNotebooks } from './run-notebooks';
import { formatNotebook, readNotebook, stripOutputs } from './notebook';

/**
 * `npm run notebooks:clean [file.ipynb ...]`: removes outputs and execution counts from notebooks (default: all
 * notebooks/*.ipynb), the form they are committed in. Run it after saving a notebook from Jupyter or VS Code.
 */
function main(): void {
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args.map((a) => path.resolve(a)) : allNotebooks();
  let changed = 0;
  for (const file of files) {
    const nb = readNotebook(file);
    const before = formatNotebook(nb);
    const after = formatNotebook(stripOutputs(nb));
    if (before !== after) {
      writeFileAtomic(file, after);
      changed++;
      console.log(`cleaned ${path.relative(process.cwd(), file)}`);
    }
  }
  console.log(`notebooks: ${files.length} checked, ${changed} cleaned`);
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
