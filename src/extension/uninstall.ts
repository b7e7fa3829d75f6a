/** Entry point of package.json's `vscode:uninstall` script (dist/uninstall.js): see agents/uninstall.ts. */
import { undoAgentChanges } from './agents/uninstall';

undoAgentChanges().then(
  (lines) => {
    for (const line of lines) console.log(`Headroom uninstall: ${line}`);
  },
  (e) => {
    console.error(`Headroom uninstall: ${(e as Error).message}`);
  },
);
