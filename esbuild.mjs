// Builds the headless CLI, the extension host bundle and the webview bundle, and copies the
// .wasm files the bundles load at run time into dist/.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outdir = 'dist';

/** Every .wasm file a bundle needs at run time, as [source path, name in dist/]. */
function wasmAssets() {
  const assets = [[require.resolve('sql.js/dist/sql-wasm.wasm'), 'sql-wasm.wasm']];
  // Code compression (src/engine/code/grammars.ts): the web-tree-sitter runtime and the grammars
  // it loads from dist/ at run time. C comes from tree-sitter-c; the others from @vscode/tree-sitter-wasm.
  assets.push([require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'web-tree-sitter.wasm']);
  assets.push([join('node_modules', 'tree-sitter-c', 'tree-sitter-c.wasm'), 'tree-sitter-c.wasm']);
  const grammarDir = join('node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
  for (const lang of ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'cpp']) {
    const f = `tree-sitter-${lang}.wasm`;
    assets.push([join(grammarDir, f), f]);
  }
  return assets;
}

function copyAssets() {
  mkdirSync(outdir, { recursive: true });
  for (const [from, name] of wasmAssets()) copyFileSync(from, join(outdir, name));
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
};

const builds = [
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: join(outdir, 'cli.js'), banner: { js: '#!/usr/bin/env node' } },
  // The extension host bundle stays small for a fast activation; the store, proxy and engine are a
  // second bundle (dist/backend.js) that the extension requires on first use.
  { ...common, entryPoints: ['src/extension.ts'], outfile: join(outdir, 'extension.js'), external: ['vscode', './backend.js'] },
  { ...common, entryPoints: ['src/extension/backend-impl.ts'], outfile: join(outdir, 'backend.js') },
  // Run by VS Code in a plain Node process when the extension is uninstalled (package.json vscode:uninstall).
  { ...common, entryPoints: ['src/extension/uninstall.ts'], outfile: join(outdir, 'uninstall.js') },
  ...(existsSync('webview/main.ts')
    ? [{ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['webview/main.ts'], outfile: join(outdir, 'webview.js') }]
    : []),
];

copyAssets();
if (watch) {
  for (const options of builds) (await esbuild.context(options)).watch();
} else {
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
