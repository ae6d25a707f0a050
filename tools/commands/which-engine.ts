// Prints the one line saying which engine a notebook will use here, and why (run at the end of npm install).
import { initEngine } from '../../lib/engine';

initEngine({ quiet: true })
  .then((e) => console.log(`engine: notebooks will run on ${e.name} — ${e.reason}`))
  .catch((err: Error) => {
    console.log(`engine: none could start — ${err.message}`);
    process.exitCode = 1;
  });
