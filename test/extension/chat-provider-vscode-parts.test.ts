import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateTokens, messagesFromVscode, toolsFromVscode } from '../../src/extension/chat-provider/from-vscode';
import { toAnthropicBody } from '../../src/extension/chat-provider/anthropic';

// Shapes of vscode.LanguageModelTextPart / ToolCallPart / ToolResultPart / DataPart instances.
class TextPart { constructor(public value: string) {} }
class ToolCallPart { constructor(public callId: string, public name: string, public input: object) {} }
class ToolResultPart { constructor(public callId: string, public content: unknown[]) {} }
class DataPart { constructor(public data: Uint8Array, public mimeType: string) {} }

test('VS Code parts become neutral messages: text, tool calls, tool results (text and JSON data), images', () => {
  const msgs = messagesFromVscode([
    { role: 3, content: [new TextPart('system rules')] },
    { role: 1, content: [new TextPart('list the files'), new DataPart(new Uint8Array([1, 2, 3]), 'image/png')] },
    { role: 2, content: [new TextPart('Looking.'), new ToolCallPart('call_1', 'list_dir', { path: '.' })] },
    { role: 1, content: [new ToolResultPart('call_1', [new TextPart('a.ts\n'), new TextPart('b.ts\n'), new DataPart(new TextEncoder().encode('{"n":2}'), 'application/json')])] },
  ]);
  assert.deepEqual(msgs.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.deepEqual(msgs[1].parts[1], { type: 'image', mimeType: 'image/png', data: new Uint8Array([1, 2, 3]) });
  assert.deepEqual(msgs[2].parts[1], { type: 'tool_call', id: 'call_1', name: 'list_dir', input: { path: '.' } });
  assert.deepEqual(msgs[3].parts[0], { type: 'tool_result', callId: 'call_1', content: 'a.ts\nb.ts\n{"n":2}' });
  const body = toAnthropicBody({ model: 'm', messages: msgs, maxTokens: 1 }) as any;
  assert.equal(body.system, 'system rules');
  assert.equal(body.messages[0].content[1].source.data, 'AQID');
  assert.deepEqual(toolsFromVscode([{ name: 't', description: 'd', inputSchema: { type: 'object' } }]), [{ name: 't', description: 'd', inputSchema: { type: 'object' } }]);
  assert.equal(estimateTokens('x'.repeat(400)), 100);
  assert.equal(estimateTokens({ role: 1, content: [new TextPart('y'.repeat(40))] }), 10);
});
