import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mcpLaunch } from '../../src/extension/agents/mcp-launch';

test('MCP launch: the bundled CLI runs in Node mode against the workspace store', () => {
  const l = mcpLaunch(process.execPath, '/ext/dist/cli.js', '/ws/store.sqlite');
  assert.equal(l.command, process.execPath);
  assert.deepEqual(l.args, ['/ext/dist/cli.js', 'mcp', '--store', '/ws/store.sqlite']);
  assert.equal(l.env.ELECTRON_RUN_AS_NODE, '1');
  // With plain node as the executable (code-server, remote hosts) the variable is harmless.
  const r = spawnSync(l.command, ['-e', 'process.stdout.write("ok")'], { env: { ...process.env, ...l.env } });
  assert.equal(r.stdout.toString(), 'ok');
});
