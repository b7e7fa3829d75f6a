import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectKind } from '../../src/engine/detect';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('\n') + '\n';

test('record logs without timestamps or levels are logs (id node component state epoch message)', () => {
  const states = ['Link error', 'Link ok', 'Fan speeds ( 3552 3534 )', 'Temperature (41C) exceeds warning threshold'];
  const text = many(120, (i) => `${134681 + i * 7} node-${i % 50} switch_module ${i % 3 ? 'error' : 'fan'} ${1077804742 + i} 1 ${states[i % 4]}`);
  assert.equal(detectKind(text), 'logs');
});

test('timestamped service logs are logs, not search hits', () => {
  const cbs = many(60, (i) => `2016-09-28 04:30:${pad(i % 60)}, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505 with Core: C:\\Windows\\winsxs\\amd64_x\\cbscore.dll`);
  assert.equal(detectKind(cbs), 'logs');
  const syslog = many(50, (i) => `Jun 14 15:16:${pad(i % 60)} combo sshd(pam_unix)[${19939 + i}]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4`);
  assert.equal(detectKind(syslog), 'logs');
  const levels = many(40, (i) => `${i % 5 ? 'INFO' : 'WARN'} worker-${i % 3}: processed batch ${i}`);
  assert.equal(detectKind(levels), 'logs');
  const health = many(60, (i) => `20171223-22:15:${pad(i % 60)}:606|Step_LSC|30002312|onStandStepChanged ${3579 + i}`);
  assert.equal(detectKind(health), 'logs');
});

test('search hits, numeric tables and source code are not taken for logs', () => {
  const grep = many(40, (i) => `src/server/handler${i % 4}.ts:${10 + i}:  const value${i} = compute(${i});`);
  assert.equal(detectKind(grep), 'search');
  const csv = 'a,b,c\n' + many(40, (i) => `${i},${i * 2},${i * 3}`);
  assert.notEqual(detectKind(csv), 'logs');
  const code = many(40, (i) => `  const x${i} = await fetchThing(${i});`);
  assert.notEqual(detectKind(code), 'logs');
});
