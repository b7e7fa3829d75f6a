import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from '../../src/engine/compress';
import { ccrHash } from '../../src/engine/hash';
import { MARKER_HASH_RE } from '../../src/engine/marker';
import { templateHash, templateHashAt, templateKey, VAR } from '../../src/engine/logs/template';
import { timestampOf } from '../../src/engine/logs/line-facts';
import { MemorySink } from '../helpers/memory-sink';
import { assertInvariants } from '../helpers/invariants';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A syslog: cron noise, DHCP renewals, a few sshd failures and one kernel error. */
function syslog(): string {
  const out: string[] = [];
  for (let i = 0; i < 300; i++) {
    const t = `Mar  3 10:${pad(Math.floor(i / 60) % 60)}:${pad(i % 60)}`;
    out.push(`${t} web1 CRON[${2000 + i}]: pam_unix(cron:session): session opened for user root by (uid=0)`);
    if (i % 10 === 0) out.push(`${t} web1 dhclient[812]: DHCPACK of 10.0.${i % 7}.${i % 200} from 10.0.0.1`);
    if (i === 120) out.push(`${t} web1 sshd[${9000 + i}]: Failed password for invalid user admin from 203.0.113.${i % 250} port ${40000 + i} ssh2`);
    if (i === 121) out.push(`${t} web1 sshd[${9000 + i}]: Failed password for invalid user oracle from 203.0.113.${i % 250} port ${40000 + i} ssh2`);
    if (i === 200) out.push(`${t} web1 kernel: [ 8123.456] EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0`);
    if (i === 250) out.push(`${t} web1 systemd[1]: Started Daily apt upgrade and clean activities.`);
  }
  return out.join('\n') + '\n';
}

function markers(text: string): string[] {
  return [...text.matchAll(MARKER_HASH_RE)].map((m) => m[1]);
}

test('syslog: errors, rare events and one line per template are kept; noise goes behind markers', () => {
  const sink = new MemorySink();
  const input = syslog();
  const { text, report } = compress(input, { store: sink, kind: 'logs', query: 'what went wrong on web1?' });
  assert.equal(report.strategy, 'log-templates');
  assertInvariants(input, text, sink);
  assert.ok(text.length < input.length / 5, `only ${text.length} of ${input.length} bytes saved`);
  // Severe and rare lines verbatim.
  assert.ok(text.includes('sshd[9120]: Failed password for invalid user admin from 203.0.113.120 port 40120 ssh2\n'));
  assert.ok(text.includes('EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm ls: reading directory lblock 0\n'));
  assert.ok(text.includes('systemd[1]: Started Daily apt upgrade and clean activities.\n'));
  // One representative of each frequent template, not all of them.
  const cron = text.split('\n').filter((l) => l.includes('session opened for user root')).length;
  assert.ok(cron >= 1 && cron <= 3, `${cron} cron lines kept`);
  assert.ok(text.includes('DHCPACK of'));
  // Markers name the dominant template, and the summary gives counts and spans.
  assert.match(text, /\[… \d+ lines omitted: \d+× CRON\[<\*>\]: pam_unix\(cron:session\): session open/);
  assert.match(text, /\[log summary: \d+ entries, \d+ event kinds; most frequent:\]\n/);
  assert.match(text, /\[ +300× CRON\[<\*>\]: pam_unix\(cron:session\): session opened for user root by \(uid=<\*>\) \(Mar  3 10:00:00 … Mar  3 10:04:59\)\]/);
  // Every marker retrieves exactly the lines it replaced: splicing them back gives the input.
  const restored = text
    .replace(/\[log summary:[\s\S]*$/, '')
    .replace(/^\[… [^\n]*hash=([0-9a-f]{24})\]\n/gm, (_m, h: string) => sink.get(h) ?? 'MISSING');
  assert.equal(restored, input);
});

test('app log: an exception keeps its stack trace; repeated request lines are dropped', () => {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const ts = `2024-05-01 12:00:${pad(i % 60)}.${pad(i, 3)}`;
    lines.push(`${ts} INFO  [http-nio-8080-exec-${i % 8}] c.e.api.RequestLog - GET /api/orders/${1000 + i} 200 ${5 + (i % 17)}ms`);
    if (i === 150) {
      lines.push(`${ts} ERROR [http-nio-8080-exec-3] c.e.api.OrderController - Request failed`);
      lines.push('java.lang.IllegalStateException: order 1150 has no customer');
      lines.push('\tat com.example.api.OrderService.load(OrderService.java:88)');
      lines.push('\tat com.example.api.OrderController.get(OrderController.java:41)');
      lines.push('Caused by: java.sql.SQLException: connection reset');
      lines.push('\t... 12 more');
    }
  }
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  const trace = lines.slice(lines.findIndex((l) => l.includes('Request failed')), lines.findIndex((l) => l.includes('12 more')) + 1).join('\n') + '\n';
  assert.ok(text.includes(trace), 'the error line and its whole stack trace are kept together');
  const gets = text.split('\n').filter((l) => l.includes('RequestLog - GET')).length;
  assert.ok(gets >= 1 && gets <= 4, `${gets} request lines kept`);
});

test('a log without timestamps or levels: the crash and the rare event survive', () => {
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    lines.push(`worker ${i % 4} processed job ${10000 + i} in ${10 + (i % 30)} ms`);
    if (i === 77) lines.push('worker 2 crashed: out of memory while processing job 10077');
    if (i === 300) lines.push('scheduler rebalanced queue shards');
  }
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes('worker 2 crashed: out of memory while processing job 10077\n'));
  assert.ok(text.includes('scheduler rebalanced queue shards\n'));
  assert.ok(text.includes('worker 0 processed job 10000 in 10 ms\n'), 'first line of the frequent template');
  assert.ok(text.length < input.length / 5);
});

test('hundreds of errors of one template keep a few representatives, and the query-matching one', () => {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) lines.push(`2024-01-01T00:${pad(Math.floor(i / 60))}:${pad(i % 60)}Z ERROR db pool: connection to 10.1.2.${i % 250}:5432 refused (attempt ${i})`);
  lines[137] = '2024-01-01T00:02:17Z ERROR db pool: connection to 10.9.9.9:5432 refused (attempt 137)';
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs', query: 'why is 10.9.9.9 refusing connections?' });
  assertInvariants(input, text, sink);
  const kept = text.split('\n').filter((l) => l.includes('ERROR db pool')).length;
  assert.ok(kept >= 3 && kept <= 8, `${kept} error lines kept`);
  assert.ok(text.includes(lines[0] + '\n'), 'first');
  assert.ok(text.includes(lines[299] + '\n'), 'last');
  assert.ok(text.includes(lines[137] + '\n'), 'query match');
  assert.match(text, /\[ +300× ERROR db pool: connection to <\*> refused \(attempt <\*>\) \(2024-01-01T00:00:00Z … 2024-01-01T00:04:59Z\)\]/);
});

test('every distinct failure reason of an error kind is kept, and a few errors that differ only in numbers all are', () => {
  const reasons = ['card declined', 'insufficient funds', 'address invalid', 'fraud suspected', 'currency unsupported', 'gateway timeout', 'duplicate charge', 'expired card', 'cvc mismatch', 'limit exceeded', 'account frozen', 'bank unavailable', 'issuer declined'];
  const lines: string[] = [];
  const t = (i: number) => `2024-05-01T10:${pad(Math.floor(i / 60) % 60)}:${pad(i % 60)}.${pad(i % 1000, 3)}`;
  for (let i = 0; i < 5000; i++) {
    lines.push(`${t(i)} INFO  payments: order ${70000 + i} charged ok`);
    if (i % 400 === 13) lines.push(`${t(i)} ERROR payments: order ${70000 + i} charge failed: ${reasons[Math.floor(i / 400)]}`);
    if (i % 250 === 7) lines.push(`${t(i)} ERROR api: upstream timeout after ${3000 + i}ms shard=${i % 13}`);
  }
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  for (const l of lines.filter((x) => x.includes('ERROR'))) assert.ok(text.includes(l + '\n'), `kept: ${l}`);
  assert.ok(text.length < input.length / 20, `${text.length} of ${input.length}`);
});

test('many-variant clusters show each kind of event, not each user name', () => {
  const lines: string[] = [];
  const users = ['admin', 'test', 'oracle', 'guest', 'ubuntu', 'pi', 'git', 'deploy', 'ftp', 'www', 'postgres', 'support'];
  for (let i = 0; i < 120; i++) {
    const u = users[i % users.length] + (i >= 60 ? 'x' : '');
    lines.push(`Dec 10 07:${pad(i % 60)}:00 host sshd[${100 + i}]: Failed ${i === 90 ? 'none' : 'password'} for invalid user ${u} from 10.0.0.${i} port ${2000 + i} ssh2`);
    lines.push(`Dec 10 07:${pad(i % 60)}:01 host sshd[${100 + i}]: Connection closed by 10.0.0.${i} [preauth]`);
  }
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes('Failed none for invalid user'), 'the rare method is its own kind');
  const failed = text.split('\n').filter((l) => / Failed \w+ for invalid user/.test(l)).length;
  assert.ok(failed <= 6, `${failed} failed-password lines kept`);
});

test('CRLF logs keep their line endings, markers included', () => {
  const lines: string[] = [];
  for (let i = 0; i < 100; i++) lines.push(`2016-09-28 04:30:${pad(i % 60)}, Info                  CBS    Session: 30546174_${i} initialized by client WindowsUpdateAgent.`);
  lines.splice(50, 0, '2016-09-28 04:30:50, Info                  CBS    Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]');
  const input = lines.join('\r\n') + '\r\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes('Failed to internally open package. [HRESULT = 0x800f0805 - CBS_E_INVALID_PACKAGE]\r\n'));
  assert.equal(text.split('\n').length, text.split('\r\n').length, 'every line ends with CRLF');
  for (const h of markers(text)) assert.equal(ccrHash(sink.get(h)!), h);
});

test('deterministic output', () => {
  const input = syslog();
  const a = compress(input, { store: new MemorySink(), kind: 'logs', query: 'sshd failures' }).text;
  const b = compress(input, { store: new MemorySink(), kind: 'logs', query: 'sshd failures' }).text;
  assert.equal(a, b);
});

test('detection routes syslog to the log compressor without a kind hint', () => {
  const r = compress(syslog(), { store: new MemorySink() });
  assert.equal(r.report.kind, 'logs');
  assert.equal(r.report.strategy, 'log-templates');
});

test('huge inputs return without throwing: a 5 MB single line, 2 MB of short lines', () => {
  const sink = new MemorySink();
  const oneLine = 'x'.repeat(5_000_000);
  // countTokens off: counting is not the engine's job, and BPE on one 5 MB word is slow.
  const r1 = compress(oneLine, { store: sink, kind: 'logs', countTokens: false });
  assert.equal(r1.report.error, undefined);
  const many = 'I0101 00:00:00.000 1 main.go:12] tick 1\n'.repeat(50_000) + 'E0101 00:00:01.000 1 main.go:40] lost leader lease\n';
  const r2 = compress(many, { store: sink, kind: 'logs', countTokens: false, budgetMs: 60_000 });
  assert.equal(r2.report.error, undefined);
  assert.ok(r2.text.includes('E0101 00:00:01.000 1 main.go:40] lost leader lease\n'));
  assert.ok(r2.text.length < 2000);
  assertInvariants(many, r2.text, sink);
});

test('template keys mask variable words and collapse runs of them', () => {
  assert.equal(templateKey('Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186'),
    `${VAR} LabSZ sshd[${VAR}]: Invalid user webmaster from ${VAR}`);
  assert.equal(templateKey('called (stack @0x7fe @0x7ff @0x800)'), `called (stack @${VAR}`);
  assert.equal(templateKey('a 1 2 3 b'), `a ${VAR} b`);
  assert.equal(timestampOf('[Sun Dec 04 04:47:44 2005] [error] x'), '[Sun Dec 04 04:47:44 2005]');
  assert.equal(timestampOf('081109 203615 148 INFO dfs'), '081109 203615');
  assert.equal(timestampOf('10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200'), '[10/Oct/2000:13:55:36 -0700]');
  assert.equal(timestampOf('no time here'), undefined);
});

test('access log: server errors are their own kind and are kept; 2xx traffic is sampled', () => {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const status = i === 211 || i === 250 ? 502 : 200;
    lines.push(`10.0.${i % 9}.${i % 200} - - [10/Oct/2023:13:${pad(Math.floor(i / 60))}:${pad(i % 60)} +0000] "GET /api/items/${i} HTTP/1.1" ${status} ${500 + i} "-" "curl/8.0"`);
  }
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes(lines[211] + '\n') && text.includes(lines[250] + '\n'), 'both 502s kept');
  assert.ok(text.split('\n').filter((l) => l.includes('" 200 ')).length <= 3);
  assert.match(text, /\(\[10\/Oct\/2023:13:00:00 \+0000\] … \[10\/Oct\/2023:13:04:59 \+0000\]\)/, 'span from the inner timestamp');
});

test('one-letter levels (glog, logcat) mark errors even without error words', () => {
  const glog: string[] = [];
  for (let i = 0; i < 200; i++) glog.push(`I0101 00:00:${pad(i % 60)}.000000    1 reflector.go:${100 + (i % 3)}] Listing and watching *v1.Pod`);
  glog.splice(120, 0, 'E0101 00:02:00.000000    1 reflector.go:101] Listing and watching *v1.Pod');
  const logcat: string[] = [];
  for (let i = 0; i < 200; i++) logcat.push(`03-17 16:13:${pad(i % 60)}.811  1702  2395 D WindowManager: visibility of app token ${i}`);
  logcat.splice(80, 0, '03-17 16:14:20.811  1702  2395 E WindowManager: visibility of app token 80');
  for (const lines of [glog, logcat]) {
    const input = lines.join('\n') + '\n';
    const sink = new MemorySink();
    const { text } = compress(input, { store: sink, kind: 'logs' });
    assertInvariants(input, text, sink);
    const err = lines.find((l) => /^E| E /.test(l))!;
    assert.ok(text.includes(err + '\n'), `kept: ${err}`);
  }
});

test('many frequent plain kinds: several are shown, the output stays within budget', () => {
  const verbs = ['opened', 'closed', 'synced', 'flushed', 'rotated', 'scanned', 'indexed', 'merged', 'pruned', 'loaded'];
  const nouns = ['cache', 'journal', 'segment', 'bucket', 'table', 'snapshot'];
  const lines: string[] = [];
  for (let i = 0; i < 600; i++) {
    const kind = i % 60;
    lines.push(`2024-02-02 10:${pad(Math.floor(i / 60))}:${pad(i % 60)} INFO store ${nouns[kind % 6]} ${verbs[Math.floor(kind / 6)]} shard=${i} bytes=${i * 37}`);
  }
  lines.splice(333, 0, '2024-02-02 10:05:33 ERROR store segment checksum mismatch shard=333');
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes('ERROR store segment checksum mismatch shard=333\n'));
  assert.ok(text.length < input.length * 0.3, `${text.length} of ${input.length}`);
  let shown = 0;
  for (let kind = 0; kind < 60; kind++) if (text.includes(`store ${nouns[kind % 6]} ${verbs[Math.floor(kind / 6)]} shard=`)) shown++;
  assert.ok(shown >= 10, `${shown} kinds shown verbatim`);
});

test('a query word found on every line does not make every template relevant', () => {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    lines.push(`081109 20${pad(i % 60)}15 ${i} INFO dfs.DataNode: Receiving block blk_${1000 + i} src: /10.0.0.${i % 200}:5001`);
    lines.push(`081109 20${pad(i % 60)}16 ${i} INFO dfs.DataNode: PacketResponder ${i % 3} for block blk_${1000 + i} terminating`);
  }
  lines.splice(400, 0, '081109 210000 7 INFO dfs.DataNode: Starting thread to transfer block blk_1200 to 10.0.0.9:50010');
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs', query: 'were there failed block transfers?' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes('Starting thread to transfer block blk_1200 to 10.0.0.9:50010\n'), 'the rare, query-matching event');
  for (const what of ['Receiving block', 'PacketResponder']) {
    const n = text.split('\n').filter((l) => l.includes(what) && !l.startsWith('[')).length;
    assert.equal(n, 1, `${what}: one representative, not first+last+variants`);
  }
});

test('a last line without terminator, even one ending in a bare CR, reads back unchanged', () => {
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) lines.push(`2024-03-03 01:00:${pad(i)} INFO poller: polled queue depth=${i}\r`);
  lines.push('2024-03-03 01:01:00 ERROR poller: queue unreachable\r');
  const input = lines.join('\n');
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes('2024-03-03 01:01:00 ERROR poller: queue unreachable\r\n[log summary:'));
});

test('a duration far above its template\'s usual one is kept as an outlier', () => {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) lines.push(`2024-04-04 09:00:${pad(i % 60)} INFO http: GET /api/orders/${i} 200 took ${10 + (i % 7)}ms`);
  lines[123] = '2024-04-04 09:00:03 INFO http: GET /api/orders/123 200 took 5400ms';
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes(lines[123] + '\n'), 'the slow request');
  assert.ok(!text.includes(lines[122] + '\n'), 'an ordinary one is not kept');
});

test('a template hashed in place inside the whole text equals the hash of the line alone', () => {
  // (Lines past the first start at non-zero offsets: the glog check looks at a line's own start.)
  const lines = [
    '10.0.0.1 - - [01/Mar/2026:12:00:00 +0000] "GET /a HTTP/1.1" 503 12\n',
    'E0101 12:00:01.000 worker.go:42] lost connection\n',
    '"quoted" 404 after a quote\n',
    `${'x'.repeat(400)} 2026-03-01 long line past the prefix\n`,
    '  at Object.<anonymous> (/app/x.js:10:5)\r\n',
    'Mar  1 12:00:00 host sshd[42]: Accepted password for alice\n',
    'last line without terminator 7',
  ];
  const text = lines.join('');
  let from = 0;
  for (const line of lines) {
    assert.equal(templateHashAt(text, from, from + line.length), templateHash(line), JSON.stringify(line));
    from += line.length;
  }
  // Hashes differ where templates differ: the glog level letter, the HTTP status class.
  assert.notEqual(templateHash('E0101 a\n'), templateHash('I0101 a\n'));
  assert.notEqual(templateHash('"GET /" 503 x\n'), templateHash('"GET /" 200 x\n'));
});

test('a Go panic with goroutine dumps reads as a log: the panicking goroutine\'s frames are kept', () => {
  const lines = ['panic: runtime error: index out of range [5] with length 3', '', 'goroutine 1 [running]:', 'main.(*Cache).Get(0xc000010018, {0x4b2f1a, 0x5})', '\t/app/cache.go:41 +0x1d4', 'main.main()', '\t/app/main.go:17 +0x6b'];
  for (let g = 2; g < 60; g++) lines.push('', `goroutine ${g} [select, ${g % 9} minutes]:`, 'net/http.(*persistConn).writeLoop(0xc0001b2000)', '\t/usr/local/go/src/net/http/transport.go:2410 +0xf2', 'created by net/http.(*Transport).dialConn in goroutine 1', '\t/usr/local/go/src/net/http/transport.go:1777 +0x16f1');
  lines.push('exit status 2');
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const r = compress(input, { store: sink, query: 'why does the program crash' });
  assert.equal(r.report.kind, 'logs');
  assertInvariants(input, r.text, sink);
  for (const l of lines.slice(0, 7)) assert.ok(r.text.includes(l + '\n'), `kept: ${l}`);
  assert.ok(r.text.length < input.length / 5);
});

test('blank lines are no event kind: a long run of them is one stretch, neither counted nor named in the summary', () => {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) lines.push(`2024-05-01T10:00:${pad(i % 60)}Z INFO renderer: frame ${i} drawn`);
  lines.push(...new Array(8000).fill(''), '2024-05-01T10:05:00Z ERROR renderer: GPU device lost');
  const input = lines.join('\n') + '\n';
  const sink = new MemorySink();
  const { text } = compress(input, { store: sink, kind: 'logs' });
  assertInvariants(input, text, sink);
  assert.ok(text.includes('ERROR renderer: GPU device lost'));
  assert.doesNotMatch(text, /×\s*[;\]]/, 'no kind without a name');
  const summary = /\[log summary: (\d+) entries/.exec(text);
  assert.ok(summary && Number(summary[1]) <= 302, summary?.[0]);
});
