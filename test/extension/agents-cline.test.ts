import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clineSetup } from '../../src/extension/agents/cline';

test('cline: the base URL to paste follows the provider and the installed version', () => {
  const origin = 'http://127.0.0.1:8787';
  // 4.x (and an unknown version: 4.x is current) passes the Anthropic base to a client that wants /v1 in it.
  assert.equal(clineSetup(origin, 'anthropic', '4.2.0').baseUrl, 'http://127.0.0.1:8787/v1');
  assert.equal(clineSetup(origin, 'anthropic').baseUrl, 'http://127.0.0.1:8787/v1');
  // 3.x gave it to the Anthropic SDK, which appends /v1 itself.
  assert.equal(clineSetup(origin, 'anthropic', '3.89.1').baseUrl, 'http://127.0.0.1:8787');
  assert.equal(clineSetup(origin, 'openai', '3.89.1').baseUrl, 'http://127.0.0.1:8787/v1');
  assert.equal(clineSetup(origin, 'openai', '4.0.0').baseUrl, 'http://127.0.0.1:8787/v1');
  assert.match(clineSetup(origin, 'anthropic', '4.0.0').steps.join(' '), /Use custom base URL/);
});
