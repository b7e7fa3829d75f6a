/** Loads the sql.js module once, finding sql-wasm.wasm next to the bundle or in node_modules. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/** Where sql-wasm.wasm is: dist/ beside the bundle (esbuild.mjs copies it), else the package's own copy. */
export function locateSqlWasm(): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const beside = join(here, 'sql-wasm.wasm');
  if (existsSync(beside)) return beside;
  try {
    return require.resolve('sql.js/dist/sql-wasm.wasm');
  } catch {
    return join(process.cwd(), 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm');
  }
}

export function loadSqlJs(): Promise<SqlJsStatic> {
  if (!loading) {
    const wasm = locateSqlWasm();
    loading = initSqlJs({ locateFile: () => wasm });
    loading.catch(() => {
      loading = undefined;
    });
  }
  return loading;
}
