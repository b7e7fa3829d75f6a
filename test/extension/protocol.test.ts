import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHostMessage, parseWebviewMessage, parseWebviewState } from '../../src/extension/protocol';
import { emptyStats } from '../../src/extension/stats-view';

test('webview messages are accepted only when well formed', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseWebviewMessage({ type: 'openDetail', id: 'r1', extra: 1 }), { type: 'openDetail', id: 'r1' });
  assert.deepEqual(parseWebviewMessage({ type: 'openOriginal', hash: '0123456789abcdef01234567' }), { type: 'openOriginal', hash: '0123456789abcdef01234567' });
  assert.deepEqual(parseWebviewMessage({ type: 'command', command: 'stopProxy' }), { type: 'command', command: 'stopProxy' });
  for (const bad of [
    null, 'ready', [], {}, { type: 'nope' },
    { type: 'openDetail' }, { type: 'openDetail', id: '' }, { type: 'openDetail', id: 'x'.repeat(201) },
    { type: 'openOriginal', hash: '../../etc/passwd' }, { type: 'openOriginal', hash: '0123456789ABCDEF01234567' },
    { type: 'command', command: 'workbench.action.terminal.new' }, { type: 'command', command: 'toString' },
  ]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
});

test('host messages and restored state are checked by shape', () => {
  const stats = emptyStats();
  assert.equal(parseHostMessage({ type: 'stats', stats })?.type, 'stats');
  assert.equal(parseHostMessage({ type: 'stats' }), undefined);
  assert.equal(parseHostMessage({ type: 'detail', detail: { id: 'a', items: [] } })?.type, 'detail');
  assert.equal(parseHostMessage({ type: 'detail', detail: { id: 'a' } }), undefined);
  assert.deepEqual(parseHostMessage({ type: 'error', message: 'x' }), { type: 'error', message: 'x' });
  assert.deepEqual(parseWebviewState({ selectedId: 'r2', stats }), { selectedId: 'r2', stats });
  assert.deepEqual(parseWebviewState({ selectedId: 5, stats: { nope: 1 } }), {});
  assert.deepEqual(parseWebviewState(undefined), {});
});
