import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { ccrHash } from '../../src/engine/hash';
import { MARKER_HASH_RE } from '../../src/engine/marker';
import { MemorySink } from '../helpers/memory-sink';
import { isJsonDocument, T, takeParsed, type JArr, type JObj } from '../../src/engine/json/parse';
import { analyzeColumns } from '../../src/engine/json/columns';
import { detectStyle } from '../../src/engine/json/render';
import { JsonView, losslessRowsAtLeast } from '../../src/engine/json/view';
import { Ctx } from '../../src/engine/context';
import { makeQuery } from '../../src/engine/query';

/**
 * JSON-specific invariants: never larger; every marker names stored bytes whose hash matches; the
 * originals stored for omitted rows parse as JSON (an array, or JSON Lines) and are objects that
 * occur in the input.
 */
function assertJsonInvariants(input: string, output: string, sink: MemorySink): void {
  assert.ok(Buffer.byteLength(output) <= Buffer.byteLength(input), 'output larger than input');
  for (const line of output.split('\n')) {
    for (const m of line.matchAll(MARKER_HASH_RE)) {
      const stored = sink.get(m[1]);
      assert.ok(stored !== undefined, `marker hash ${m[1]} not stored`);
      assert.equal(ccrHash(stored), m[1]);
      if (/\d+ rows? omitted|other fields of \d+ rows/.test(line)) {
        const rows: unknown[] = stored.trimStart().startsWith('[') ? JSON.parse(stored) : stored.trim().split('\n').map((l) => JSON.parse(l));
        assert.ok(Array.isArray(rows) && rows.length > 0);
        for (const r of rows) assert.equal(typeof r, 'object');
      }
    }
  }
}

interface Issue { [k: string]: unknown }

/** Every field shown equals the original's (constant fields may be left out of rows). */
function assertSubset(shown: unknown, orig: unknown, path: string): void {
  if (shown && typeof shown === 'object' && !Array.isArray(shown)) {
    for (const [k, v] of Object.entries(shown)) assertSubset(v, (orig as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  if (typeof shown === 'string' && shown.includes('chars omitted; hash=')) return;
  assert.deepEqual(shown, orig, path);
}

function issues(n: number, open: number[]): Issue[] {
  const out: Issue[] = [];
  for (let i = n; i >= 1; i--) {
    out.push({
      url: `https://api.example.com/repos/acme/widget/issues/${i}`,
      repository_url: 'https://api.example.com/repos/acme/widget',
      comments_url: `https://api.example.com/repos/acme/widget/issues/${i}/comments`,
      html_url: `https://example.com/acme/widget/issues/${i}`,
      id: 9000000 + i * 37,
      number: i,
      title: `Widget problem number ${i} in the ${['parser', 'renderer', 'cache', 'cli'][i % 4]}`,
      user: { login: `dev${i % 7}`, id: 100 + (i % 7), type: 'User', site_admin: false },
      state: open.includes(i) ? 'open' : 'closed',
      locked: false,
      comments: i % 5,
      created_at: `2017-0${1 + (i % 9)}-1${i % 10}T10:00:00Z`,
      closed_at: open.includes(i) ? null : `2017-1${i % 3}-0${1 + (i % 9)}T12:00:00Z`,
      body: `Steps to reproduce for issue ${i}. ` + 'The widget does something unexpected when configured this way. '.repeat(6),
    });
  }
  return out;
}

test('small arrays of objects: lossless table, constants and derived fields stated once', () => {
  const sink = new MemorySink();
  const data = issues(6, []);
  const input = JSON.stringify(data, null, 2) + '\n';
  const { text, report } = compress(input, { store: sink });
  assert.equal(report.kind, 'json');
  assert.equal(report.strategy, 'json-table');
  assert.equal(report.hashes.length, 0, 'lossless: no markers');
  assert.match(text, /^\[ \/\/ 6 objects, one per line\n/);
  const header = text.split('\n')[1];
  assert.match(header, /^ {2}\/\/ same in all 6 rows: \{/);
  for (const pair of ['"repository_url": "https://api.example.com/repos/acme/widget"', '"user": {"type": "User", "site_admin": false}', '"state": "closed"', '"locked": false']) {
    assert.ok(header.includes(pair), `header states ${pair}`);
  }
  assert.match(text, /comments_url = url \+ "\/comments"/);
  // Every row on one line with its own values in the input's "key": value form.
  for (const issue of data) {
    const line = text.split('\n').find((l) => l.includes(`"number": ${issue.number},`));
    assert.ok(line, `row ${issue.number} shown`);
    assert.ok(line.includes(`"title": ${JSON.stringify(issue.title)}`));
    assert.ok(line.includes(`"html_url": ${JSON.stringify(issue.html_url)}`));
    assert.ok(!line.includes('comments_url'), 'derived field left out of rows');
  }
  assert.ok(report.bytesOut < report.bytesIn * 0.85, `${report.bytesOut} of ${report.bytesIn}`);
  assertJsonInvariants(input, text, sink);
});

test('large arrays: the rows the question asks about are kept whole, the rest summarised or omitted', () => {
  const sink = new MemorySink();
  const data = issues(120, [77, 31]);
  const input = JSON.stringify(data) + '\n';
  const { text, report } = compress(input, { store: sink, query: 'Which of these issues are still open? Give number, title and URL.' });
  assert.equal(report.strategy, 'json-table-lossy');
  for (const n of [77, 31]) {
    assert.ok(text.includes(`"number":${n},`), `open issue ${n} kept`);
    assert.ok(text.includes(`"html_url":"https://example.com/acme/widget/issues/${n}"`));
    assert.ok(text.includes(`"title":"Widget problem number ${n} in the`));
  }
  assert.ok(text.includes('"state":"open"'));
  assert.ok(report.tokensOut! < report.tokensIn! * 0.25, `saved too little: ${report.tokensOut}/${report.tokensIn}`);
  assert.match(text, /omitted/);
  assertJsonInvariants(input, text, sink);
  // Kept rows are faithful: every field shown equals the original's.
  const byNumber = new Map(data.map((d) => [d.number, d]));
  for (const line of text.split('\n')) {
    if (!line.trimStart().startsWith('{"url"')) continue;
    const row = JSON.parse(line) as Issue;
    const orig = byNumber.get(row.number)!;
    assertSubset(row, orig, 'row');
  }
});

test('an anomaly is kept without a question: the one commit that is not verified', () => {
  const sink = new MemorySink();
  const commits = Array.from({ length: 40 }, (_, i) => ({
    sha: ccrHash(`commit ${i}`) + 'abcdef0123456789',
    commit: {
      author: { name: `Author ${i % 4}`, email: `a${i % 4}@example.com`, date: `2018-01-${10 + (i % 20)}T00:00:00Z` },
      message: i === 17 ? 'Fix a typo in the models' : `Change number ${i}`,
      verification: { verified: i !== 17, reason: i === 17 ? 'unsigned' : 'valid', signature: i === 17 ? null : '-----BEGIN PGP SIGNATURE-----\n' + 'x'.repeat(300) + '\n-----END PGP SIGNATURE-----' },
    },
    parents: [{ sha: ccrHash(`commit ${i + 1}`) + 'abcdef0123456789' }],
  }));
  const input = JSON.stringify(commits, null, 2);
  const { text } = compress(input, { store: sink });
  assert.ok(text.includes(`"sha": "${commits[17].sha}"`));
  assert.ok(text.includes('"verified": false'));
  assert.ok(text.includes('"reason": "unsigned"'));
  // The commit that lists it as a parent is kept as related.
  assert.ok(text.includes(`"sha": "${commits[16].sha}"`));
  assertJsonInvariants(input, text, sink);
});

test('long string values are cut head and tail with a marker storing the full value', () => {
  const sink = new MemorySink();
  const long = 'BEGIN ' + Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ') + ' END';
  const rows = Array.from({ length: 30 }, (_, i) => ({ id: i, name: `item-${i}`, kind: i === 3 ? 'error' : 'ok', size: i * 10, owner: `o${i % 3}`, notes: `${long} (row ${i})` }));
  const input = JSON.stringify(rows);
  const { text } = compress(input, { store: sink, query: 'which item has an error?' });
  const line = text.split('\n').find((l) => l.includes('"name":"item-3"'));
  assert.ok(line, 'the error row is kept');
  assert.ok(line.includes('"notes":"BEGIN word0'));
  assert.ok(line.includes('word399 END (row 3)"'));
  const m = /\[… (\d+) chars omitted; hash=([0-9a-f]{24})\]/.exec(line);
  assert.ok(m, 'marker inside the string');
  assert.equal(sink.get(m[2]), `${long} (row 3)`);
  JSON.parse(line); // still valid JSON
  assertJsonInvariants(input, text, sink);
});

test('output is deterministic', () => {
  const input = JSON.stringify(issues(80, [5]));
  const a = compress(input, { store: new MemorySink(), query: 'open issues' }).text;
  const b = compress(input, { store: new MemorySink(), query: 'open issues' }).text;
  assert.equal(a, b);
});

test('JSON Lines: rows stored exactly as their lines', () => {
  const sink = new MemorySink();
  const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ ts: `2024-05-01T10:${String(i % 60).padStart(2, '0')}:00Z`, level: i === 211 ? 'error' : 'info', msg: i === 211 ? 'disk quota exceeded on /var' : `request ${i} served`, ms: 10 + (i % 13), route: `/api/v1/items/${i % 9}` }));
  const input = lines.join('\n') + '\n';
  const { text, report } = compress(input, { store: sink });
  assert.equal(report.kind, 'json');
  assert.ok(text.includes('"msg":"disk quota exceeded on /var"'));
  assertJsonInvariants(input, text, sink);
  for (const h of report.hashes) {
    const stored = sink.get(h)!;
    if (stored.startsWith('{')) for (const l of stored.trim().split('\n')) assert.ok(lines.includes(l));
  }
});

test('a transcript keeps every message, folds repeated tool-output lines, stays valid JSON per row', () => {
  const sink = new MemorySink();
  const page = ['<html>', '  <head><title>Upload</title></head>', '  <body>', '    <form method="post" enctype="multipart/form-data">', '      File: <input type="file" name="file" />', '    </form>', '  </body>', '</html>'];
  const meter = ['  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current', '                                 Dload  Upload   Total   Spent    Left  Speed', '100  1605    0  1605    0     0  13694      0 --:--:-- --:--:-- --:--:-- 13717'];
  const messages: Array<Record<string, string>> = [{ role: 'user', content: 'Find the secret served by the upload script.' }];
  for (let i = 0; i < 12; i++) {
    messages.push({ role: 'assistant', content: `Trying request ${i}: curl http://host/cgi-bin/upload.pl?${i}` });
    messages.push({ role: 'tool', content: [...meter, ...page, i === 9 ? 'SECRET{found-it}' : `no secret in ${i}`, '(Current directory: /work/challenge)', 'bash-$'].join('\n') });
  }
  const input = JSON.stringify({ messages }, null, 2);
  const { text } = compress(input, { store: sink, query: 'what was the secret?' });
  assert.ok(text.includes('SECRET{found-it}'));
  for (let i = 0; i < 12; i++) assert.ok(text.includes(`upload.pl?${i}`), `message ${i} kept`);
  const rows = text.split('\n').filter((l) => l.trimStart().startsWith('{"role"'));
  assert.equal(rows.length, messages.length);
  for (const r of rows) JSON.parse(r);
  assert.ok(text.length < input.length * 0.6);
  assertJsonInvariants(input, text, sink);
});

// Token counting is off here: BPE over megabytes of one repeated character is slow by itself.
test('10,000-deep nesting and a single 5 MB string do not throw', () => {
  const sink = new MemorySink();
  const deep = '['.repeat(10000) + '1' + ']'.repeat(10000);
  const r1 = compress(deep, { store: sink, kind: 'json', countTokens: false });
  assert.ok(r1.text.length <= deep.length);
  assert.equal(r1.report.error, undefined);
  const deepObj = '{"a":'.repeat(10000) + '"x"' + '}'.repeat(10000);
  const r2 = compress(deepObj, { store: sink, countTokens: false });
  assert.equal(r2.report.error, undefined);
  const big = JSON.stringify([{ id: 1, blob: 'y'.repeat(5_000_000) }, { id: 2, blob: 'z' }]);
  const r3 = compress(big, { store: sink, kind: 'json', countTokens: false });
  assert.equal(r3.report.error, undefined);
  assertJsonInvariants(big, r3.text, sink);
});

test('a 20 MB array returns (compressed or, past the budget, unchanged) without throwing', () => {
  const sink = new MemorySink();
  const row = (i: number) => `{"id":${i},"name":"row-${i}","state":"${i % 997 === 0 ? 'failed' : 'done'}","value":${(i * 7919) % 1000},"path":"/data/shard-${i % 50}/item-${i}.bin"}`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 20_000_000; i++) {
    const r = row(i);
    parts.push(r);
    size += r.length + 1;
  }
  const input = '[' + parts.join(',') + ']';
  const { text, report } = compress(input, { store: sink, countTokens: false });
  assert.equal(report.error, undefined);
  assert.ok(report.unchanged === undefined || report.unchanged === 'budget', `unexpected: ${report.unchanged}`);
  if (!report.unchanged) {
    assert.ok(text.includes('"state":"failed"'));
    assert.ok(text.length < input.length / 10);
  }
});

test('the tree detection parsed is reused only for the very same text', () => {
  const doc = JSON.stringify([{ id: 1 }, { id: 2 }]);
  assert.equal(isJsonDocument(doc), true);
  const other = '{"a": [1, 2]}';
  const tree = takeParsed(other);
  assert.equal(tree.t, T.Obj, 'a different text is parsed, not given the earlier tree');
  assert.equal(tree.e, other.length);
  assert.equal(isJsonDocument('{"a": '), false);
  assert.equal(isJsonDocument(doc), true);
  const reused = takeParsed(doc);
  assert.equal(reused.t, T.Arr);
  assert.equal(reused.e, doc.length);
});

test('the lower bound that skips a doomed lossless table never exceeds the rows it stands for', () => {
  const n = 40;
  const shapes: Record<string, unknown[]> = {
    flat: Array.from({ length: n }, (_, i) => ({ id: i, name: `item-${i}`, ok: i % 3 === 0, size: i * 17.5 })),
    nested: Array.from({ length: n }, (_, i) => ({ id: i, owner: { login: `u${i % 7}`, team: { id: i % 4 } }, ...(i % 5 ? { note: 'x'.repeat(i) } : {}) })),
    folded: Array.from({ length: n }, (_, i) => ({ id: i, kind: 'issue', url: `https://example.com/items/${i}`, title: `T "${i}" é\n` })),
    leaves: Array.from({ length: n }, (_, i) => ({ id: i, tags: i % 2 ? [] : ['a', i], meta: {}, deep: { a: { b: { c: { d: { e: { f: i } } } } } } })),
  };
  for (const [name, rows] of Object.entries(shapes)) {
    for (const text of [JSON.stringify(rows), JSON.stringify(rows, null, 2)]) {
      const root = takeParsed(text);
      assert.equal(root.t, T.Arr);
      const style = detectStyle(text, root);
      const items = (root as JArr).items as JObj[];
      const bound = losslessRowsAtLeast(analyzeColumns(text, items, () => {}), items.length, 2, style);
      const ctx = new Ctx(makeQuery(undefined), 'json', new MemorySink(), Infinity);
      const out = new JsonView(text, style, ctx, { lossy: false, budget: Infinity }).render(root);
      let rowChars = 0;
      for (const line of out.split('\n')) if (line.startsWith('  {')) rowChars += line.length + 1;
      assert.ok(bound <= rowChars, `${name}: bound ${bound} over the ${rowChars} characters of the rows`);
      // Deeply nested rows are mostly braces and inner keys, which the bound leaves out.
      if (name !== 'leaves') assert.ok(bound >= rowChars * 0.7, `${name}: bound ${bound} too loose for ${rowChars}`);
    }
  }
});
