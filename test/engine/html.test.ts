import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

const page = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Release notes 4.2</title>
    <script>
      window.dataLayer = window.dataLayer || [];
      function gtag(){dataLayer.push(arguments);}
      gtag('js', new Date());
    </script>
    <style>
      body { font-family: sans-serif; }
      .nav { display: flex; }
    </style>
  </head>
  <body>
    <div class="container">
      <div class="row">
        <!-- navigation
             generated -->
        <nav class="nav">
          <a href="/docs/install">Install</a>
        </nav>
      </div>
      <div class="content">
        <h1>Release notes 4.2</h1>
        <p>Fixed a crash when the cache directory is missing (#4121).</p>
        <p>Deprecated the <code>--legacy</code> flag.</p>
      </div>
    </div>
  </body>
</html>
`;

test('scripts, styles, comments and pure markup lines go behind markers; text and links stay verbatim', () => {
  const sink = new MemorySink();
  const { text, report } = compress(page, { store: sink });
  assert.equal(report.kind, 'html');
  for (const keep of ['<title>Release notes 4.2</title>', '<a href="/docs/install">Install</a>', '<p>Fixed a crash when the cache directory is missing (#4121).</p>', '<p>Deprecated the <code>--legacy</code> flag.</p>']) {
    assert.ok(text.includes(keep), keep);
  }
  assert.ok(!text.includes('gtag('));
  assert.ok(!text.includes('font-family'));
  assert.match(text, /hash=[0-9a-f]{24}/);
  assert.ok(report.bytesOut < report.bytesIn);
  assertInvariants(page, text, sink);
  // The script block is retrievable exactly.
  const stored = [...sink.entries.values()].map((e) => e.text).join('');
  assert.ok(stored.includes("      gtag('js', new Date());\n"));
});

test('minified single-line HTML is not rewritten', () => {
  const sink = new MemorySink();
  const input = '<html><head><title>x</title></head><body>' + '<p>para</p>'.repeat(50) + '</body></html>';
  const { text } = compress(input, { store: sink, kind: 'html' });
  assertInvariants(input, text, sink);
});
