import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens, tokenizerFor } from '../../src/engine/tokens';

test('tokenizer choice follows the model family', () => {
  assert.equal(tokenizerFor('gpt-4o-mini').encoding, 'o200k_base');
  assert.equal(tokenizerFor('gpt-4.1').encoding, 'o200k_base');
  assert.equal(tokenizerFor('gpt-4-turbo').encoding, 'cl100k_base');
  assert.equal(tokenizerFor('gpt-3.5-turbo').encoding, 'cl100k_base');
  assert.equal(tokenizerFor('claude-sonnet-4-5').factor > 1, true);
  assert.equal(tokenizerFor(undefined).encoding, 'o200k_base');
});

test('counts match the encoder on ordinary text and scale for Claude', () => {
  assert.equal(countTokens('hello world'), 2);
  const text = 'The quick brown fox jumps over the lazy dog.\n'.repeat(20);
  const cl = countTokens(text, 'gpt-4');
  assert.equal(countTokens(text, 'claude-3-5-sonnet'), Math.ceil(cl * 1.15));
});

test('long runs without whitespace are counted in slices, in bounded work', () => {
  // A single pre-token of 5 MB is quadratic for BPE; sliced and memoised it is linear.
  const n = countTokens('x'.repeat(5_000_000));
  assert.ok(n > 400_000 && n < 1_300_000, `${n}`);
  assert.equal(countTokens('a ' + '='.repeat(640) + ' b'), countTokens('a ') + 10 * countTokens('='.repeat(64)) + countTokens(' b'));
});

test('long whitespace runs (thousands of blank lines) are counted in slices too, in bounded work', () => {
  // One pre-token of 200,000 newlines: quadratic BPE took minutes; sliced it is linear.
  const blank = countTokens('\n'.repeat(200_000));
  assert.ok(blank > 0 && blank <= 200_000, `${blank}`);
  assert.equal(countTokens('a' + ' '.repeat(128) + 'b'), countTokens('a') + 2 * countTokens(' '.repeat(64)) + countTokens('b'));
  const log = 'INFO start\n' + '\n'.repeat(8_000) + 'ERROR boom\n';
  assert.equal(countTokens(log), countTokens('INFO start') + 125 * countTokens('\n'.repeat(64)) + countTokens('\nERROR boom\n'));
});
