import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync, rmSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/store';
import { loadSqlJs } from '../../src/store/sqljs';
import { withFileLock, writeFileAtomic } from '../../src/store/atomic-file';
import { ccrHash } from '../../src/engine/hash';
import { compress } from '../../src/engine/compress';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'headroom-store-'));
}

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function loadable(path: string): Promise<number> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    return Number(db.exec('SELECT count(*) FROM originals')[0].values[0][0]);
  } finally {
    db.close();
  }
}

const SAMPLES = [
  'plain ascii line\n',
  'unicode: héllo wörld — ✓ 日本語 🚀👩‍👩‍👧 \u0301combining\r\nCRLF line\r\n',
  '  leading spaces and trailing tabs\t\t\n\n\n',
  'x'.repeat(200_000),
  'no trailing newline',
];

test('put/get round-trips the exact text, kind and byte size', async () => {
  const store = await openStore({ path: join(tempDir(), 'store.sqlite') });
  for (const text of SAMPLES) store.put(ccrHash(text), text, 'logs');
  for (const text of SAMPLES) {
    const got = store.get(ccrHash(text));
    assert.ok(got, 'stored entry found');
    assert.equal(got.text, text);
    assert.equal(got.kind, 'logs');
    assert.equal(got.size, Buffer.byteLength(text, 'utf8'));
    assert.equal(ccrHash(got.text), got.hash);
  }
  assert.equal(store.get('0'.repeat(24)), undefined);
  assert.equal(store.has(ccrHash(SAMPLES[0])), true);
  assert.equal(store.has('f'.repeat(24)), false);
  assert.throws(() => store.put('not-a-hash', 'x', 'logs'));
  await store.close();
});

test('entries, memo and request log persist across close and reopen', async () => {
  const path = join(tempDir(), 'nested', 'dir', 'store.sqlite');
  const a = await openStore({ path });
  for (const text of SAMPLES) a.put(ccrHash(text), text, 'json');
  a.putMemo('memo-key-1', 'compressed ✓ bytes');
  a.appendRequest({ at: 1000, model: 'claude', tokensBefore: 10, tokensAfter: 2 });
  await a.close();
  assert.throws(() => a.get(ccrHash(SAMPLES[0])), /closed/);

  const b = await openStore({ path });
  for (const text of SAMPLES) assert.equal(b.get(ccrHash(text))?.text, text);
  assert.equal(b.getMemo('memo-key-1'), 'compressed ✓ bytes');
  assert.deepEqual(b.listRequests(), [{ at: 1000, model: 'claude', tokensBefore: 10, tokensAfter: 2 }]);
  const s = b.summary();
  assert.equal(s.entries, SAMPLES.length);
  assert.equal(s.bytes, SAMPLES.reduce((n, t) => n + Buffer.byteLength(t), 0));
  assert.deepEqual(Object.keys(s.byKind), ['json']);
  assert.equal(s.memoEntries, 1);
  assert.equal(s.requests, 1);
  assert.equal(s.path, path);
  await b.close();
});

test('entries not accessed within the TTL expire; get refreshes last access', async () => {
  const clock = manualClock();
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path, ttlMs: 1000, now: clock.now });
  store.put(ccrHash('kept'), 'kept', 'logs');
  store.put(ccrHash('dropped'), 'dropped', 'logs');
  store.putMemo('m', 'memo value');
  clock.advance(800);
  assert.equal(store.get(ccrHash('kept'))?.text, 'kept');
  clock.advance(800); // 1600 ms after the puts, 800 ms after the get
  assert.equal(store.get(ccrHash('dropped')), undefined);
  assert.equal(store.has(ccrHash('dropped')), false);
  assert.equal(store.getMemo('m'), undefined);
  assert.equal(store.get(ccrHash('kept'))?.text, 'kept');
  assert.equal(store.summary().entries, 1);
  await store.close();

  // Expiry also applies to what is loaded from disk.
  clock.advance(5000);
  const again = await openStore({ path, ttlMs: 1000, now: clock.now });
  assert.equal(again.summary().entries, 0);
  await again.close();
});

test('a read alone rewrites the file only once it moves the saved last access by over a seventh of the TTL', async () => {
  const clock = manualClock();
  const path = join(tempDir(), 'store.sqlite');
  const ttlMs = 7000;
  const a = await openStore({ path, ttlMs, now: clock.now });
  a.put(ccrHash('read'), 'read', 'logs');
  a.putMemo('m', 'memo value');
  await a.close();
  const stamp = () => { const s = statSync(path); return `${s.ino} ${s.mtimeMs}`; };
  const written = stamp();
  // One process per read, as `headroom retrieve` does: reads within a day's worth leave the file alone.
  clock.advance(600);
  const b = await openStore({ path, ttlMs, now: clock.now });
  assert.equal(b.get(ccrHash('read'))?.text, 'read');
  assert.equal(b.getMemo('m'), 'memo value');
  await b.close();
  assert.equal(stamp(), written, 'not rewritten for a last-access time');
  // In a long-running process, reads that together move it further are saved.
  const c = await openStore({ path, ttlMs, now: clock.now });
  clock.advance(600);
  c.get(ccrHash('read'));
  clock.advance(600);
  c.get(ccrHash('read'));
  await c.close();
  assert.notEqual(stamp(), written);
  // Saved at 1800 ms: alive 1800 + 7000 - 1 ms after the put, when the put's time would have expired it.
  clock.advance(7000 - 1);
  const d = await openStore({ path, ttlMs, now: clock.now });
  assert.equal(d.get(ccrHash('read'))?.text, 'read');
  await d.close();
});

test('memo reads keep an entry alive, also across a reopen', async () => {
  const clock = manualClock();
  const path = join(tempDir(), 'store.sqlite');
  const a = await openStore({ path, ttlMs: 1000, now: clock.now });
  a.putMemo('hot', 'hot value');
  a.putMemo('cold', 'cold value');
  clock.advance(800);
  assert.equal(a.getMemo('hot'), 'hot value');
  await a.close();
  clock.advance(800);
  const b = await openStore({ path, ttlMs: 1000, now: clock.now });
  assert.equal(b.getMemo('hot'), 'hot value');
  assert.equal(b.getMemo('cold'), undefined);
  assert.equal(b.summary().memoEntries, 1);
  await b.close();
});

test('the size cap evicts least recently used entries first', async () => {
  const clock = manualClock();
  const store = await openStore({ path: join(tempDir(), 'store.sqlite'), maxBytes: 350, now: clock.now });
  const texts = ['a', 'b', 'c', 'd', 'e'].map((c) => c.repeat(100));
  const [a, b, c, d, e] = texts.map((t) => ccrHash(t));
  store.put(a, texts[0], 'logs');
  clock.advance(1);
  store.put(b, texts[1], 'logs');
  clock.advance(1);
  store.put(c, texts[2], 'logs');
  clock.advance(1);
  assert.ok(store.get(a)); // a is now more recent than b and c
  clock.advance(1);
  store.put(d, texts[3], 'logs'); // 400 > 350: evicts b
  assert.deepEqual([a, b, c, d].map((h) => store.has(h)), [true, false, true, true]);
  clock.advance(1);
  store.put(e, texts[4], 'logs'); // evicts c
  assert.deepEqual([a, c, d, e].map((h) => store.has(h)), [true, false, true, true]);
  assert.ok(store.summary().bytes <= 350);

  // Memo values count toward the same cap, in the same LRU order.
  clock.advance(1);
  store.putMemo('k', 'm'.repeat(100)); // evicts a (least recently used)
  assert.equal(store.has(a), false);
  assert.equal(store.getMemo('k'), 'm'.repeat(100));
  await store.close();
});

test('new limits apply at once: a smaller cap and a shorter TTL evict what is past them, and persist', async () => {
  const clock = manualClock();
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path, now: clock.now });
  const texts = ['a', 'b', 'c'].map((c) => c.repeat(100));
  for (const t of texts) {
    store.put(ccrHash(t), t, 'logs');
    clock.advance(1000);
  }
  store.setLimits({ maxBytes: 250 });
  assert.deepEqual(texts.map((t) => store.has(ccrHash(t))), [false, true, true], 'the least recently used one went');
  store.setLimits({ ttlMs: 1500 });
  assert.deepEqual(texts.map((t) => store.has(ccrHash(t))), [false, false, true], 'b was last used 2 s ago');
  await store.close();
  const again = await openStore({ path, now: clock.now });
  assert.equal(again.summary().entries, 1);
  await again.close();
});

test('an original larger than the cap is kept until the next write', async () => {
  const store = await openStore({ path: null, maxBytes: 100 });
  const big = 'z'.repeat(500);
  store.put(ccrHash(big), big, 'logs');
  assert.equal(store.get(ccrHash(big))?.text, big);
  store.put(ccrHash('small'), 'small', 'logs');
  assert.equal(store.has(ccrHash(big)), false);
  assert.equal(store.has(ccrHash('small')), true);
  await store.close();
});

test('saves are batched, atomic and leave no temp or lock files', async () => {
  const dir = tempDir();
  const path = join(dir, 'store.sqlite');
  const store = await openStore({ path, saveDelayMs: 40 });
  store.put(ccrHash('first'), 'first', 'logs');
  assert.equal(existsSync(path), false, 'not written synchronously');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await loadable(path), 1, 'debounced save happened');

  // Many save rounds while the file is read back in between: every version on disk is a whole database.
  for (let i = 0; i < 15; i++) {
    const text = `entry ${i} `.repeat(2000);
    store.put(ccrHash(text), text, 'logs');
    const saving = store.flush();
    assert.ok((await loadable(path)) >= 1 + i);
    await saving;
    assert.equal(await loadable(path), 2 + i);
  }
  await store.close();
  assert.deepEqual(readdirSync(dir), ['store.sqlite']);
});

test('an atomic write has all its bytes in the temp file before it first waits', async () => {
  // So a store image handed to it is garbage at once, not kept alive through the fsync.
  const dir = tempDir();
  const data = Buffer.alloc(3 * 1024 * 1024, 7);
  const writing = writeFileAtomic(join(dir, 'image.bin'), data);
  const temp = readdirSync(dir).filter((f) => f.startsWith('.image.bin.tmp-'));
  assert.equal(temp.length, 1);
  assert.equal(statSync(join(dir, temp[0])).size, data.length);
  await writing;
  assert.deepEqual(readdirSync(dir), ['image.bin']);
  assert.deepEqual(readFileSync(join(dir, 'image.bin')), data);
});

/** A store file as a newer Headroom (schema 2) would write it. */
async function newerStoreImage(): Promise<Buffer> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.exec('CREATE TABLE future (x); PRAGMA user_version = 2;');
  const image = Buffer.from(db.export());
  db.close();
  return image;
}

test('a store written by a newer schema is refused with a clear message and left in place, never overwritten', async () => {
  const dir = tempDir();
  const path = join(dir, 'store.sqlite');
  const newer = await newerStoreImage();
  writeFileSync(path, newer);
  const warnings: string[] = [];
  await assert.rejects(openStore({ path, onWarning: (m) => warnings.push(m) }), (e: Error) => {
    assert.equal(e.message, `Headroom store ${path} has schema version 2, newer than this Headroom's 1; it was left as is (update Headroom, or use another store)`);
    return true;
  });
  assert.equal(warnings.length, 0);
  assert.deepEqual(readdirSync(dir), ['store.sqlite']);
  assert.deepEqual(readFileSync(path), newer);

  // A newer Headroom replacing the file under a running store: that store's save fails rather than overwrite it.
  rmSync(path);
  const store = await openStore({ path, onWarning: (m) => warnings.push(m) });
  store.put(ccrHash('old'), 'old', 'logs');
  await store.flush();
  writeFileSync(path, newer);
  store.put(ccrHash('more'), 'more', 'logs');
  await assert.rejects(store.flush(), /schema version 2, newer/);
  await store.close();
  assert.deepEqual(readFileSync(path), newer);
});

test('a corrupt file is moved aside with a clear warning and a fresh store works', async () => {
  const dir = tempDir();
  const path = join(dir, 'store.sqlite');
  const garbage = Buffer.from('this is not a sqlite database at all\n'.repeat(100));
  writeFileSync(path, garbage);
  const warnings: string[] = [];
  const store = await openStore({ path, onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /moved to .*store\.sqlite\.corrupt-/);
  const aside = readdirSync(dir).find((f) => f.startsWith('store.sqlite.corrupt-'));
  assert.ok(aside, 'corrupt file kept aside');
  assert.deepEqual(readFileSync(join(dir, aside)), garbage);
  assert.equal(store.summary().entries, 0);
  store.put(ccrHash('fresh'), 'fresh', 'logs');
  await store.close();
  const reopened = await openStore({ path, onWarning: (m) => warnings.push(m) });
  assert.equal(reopened.get(ccrHash('fresh'))?.text, 'fresh');
  assert.equal(warnings.length, 1);
  await reopened.close();
});

test('a truncated database file is detected as corrupt', async () => {
  const dir = tempDir();
  const path = join(dir, 'store.sqlite');
  const store = await openStore({ path });
  for (let i = 0; i < 50; i++) {
    const text = `row ${i} `.repeat(500);
    store.put(ccrHash(text), text, 'logs');
  }
  await store.close();
  const whole = readFileSync(path);
  writeFileSync(path, whole.subarray(0, Math.floor(whole.length / 2)));
  const warnings: string[] = [];
  const again = await openStore({ path, onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.equal(again.summary().entries, 0);
  await again.close();
});

test('memo entries are replaced in place and persist', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const a = await openStore({ path });
  a.putMemo('k1', 'v1');
  a.putMemo('k1', 'v1 replaced — ü');
  a.putMemo('k2', '');
  await a.close();
  const b = await openStore({ path });
  assert.equal(b.getMemo('k1'), 'v1 replaced — ü');
  assert.equal(b.getMemo('k2'), '');
  assert.equal(b.getMemo('k3'), undefined);
  assert.equal(b.summary().memoEntries, 2);
  await b.close();
});

test('the request log is bounded, newest first, filterable by time and limit', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const clock = manualClock(10_000);
  const a = await openStore({ path, maxRequests: 100, now: clock.now });
  for (let i = 0; i < 250; i++) {
    a.appendRequest({ i });
    clock.advance(10);
  }
  const all = a.listRequests() as { i: number }[];
  assert.equal(all.length, 100);
  assert.deepEqual(all.map((r) => r.i), Array.from({ length: 100 }, (_, k) => 249 - k));
  assert.deepEqual((a.listRequests({ limit: 3 }) as { i: number }[]).map((r) => r.i), [249, 248, 247]);
  // Record i was appended at 10_000 + 10 i.
  assert.deepEqual((a.listRequests({ sinceMs: 10_000 + 10 * 245 }) as { i: number }[]).map((r) => r.i), [249, 248, 247, 246, 245]);
  // An explicit `at` orders the record by that time.
  a.appendRequest({ i: -1, at: 10_005 });
  assert.equal((a.listRequests({ limit: 1 }) as { i: number }[])[0].i, 249);
  assert.equal(a.summary().requests, 100);
  await a.close();
  const b = await openStore({ path, maxRequests: 100, now: clock.now });
  assert.equal(b.listRequests().length, 100);
  // A batch: in order, in one go, and bounded the same way.
  b.appendRequestsJson(Array.from({ length: 150 }, (_, k) => ({ at: 20_000 + k, json: JSON.stringify({ k }) })));
  assert.deepEqual((b.listRequests({ limit: 100 }) as { k: number }[]).map((r) => r.k), Array.from({ length: 100 }, (_, k) => 149 - k));
  assert.equal(b.summary().requests, 100);
  await b.close();
});

test('request records keep any text; rows an earlier version stored as text still list', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const a = await openStore({ path });
  a.appendRequestsJson([{ at: 2, json: JSON.stringify({ tool: 'grep ✓ 日本語 🚀', n: 2 }) }]);
  await a.close();
  // An earlier version bound the record as a string: the row holds SQLite text, not bytes.
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  db.run('INSERT INTO requests (uid, at, json) VALUES (?, ?, ?)', ['older-row', 1, JSON.stringify({ tool: 'héllo', n: 1 })]);
  assert.deepEqual(db.exec('SELECT typeof(json) FROM requests ORDER BY at')[0].values.map((v) => v[0]), ['text', 'blob']);
  writeFileSync(path, db.export());
  db.close();
  const b = await openStore({ path });
  assert.deepEqual(b.listRequests(), [{ tool: 'grep ✓ 日本語 🚀', n: 2 }, { tool: 'héllo', n: 1 }]);
  await b.close();
});

test('request-log rows alone wait longer to be saved than data, which takes them along', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path, saveDelayMs: 20 });
  store.appendRequestsJson([{ at: 1, json: '{"n":1}' }, { at: 2, json: '{"n":2}' }]);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(existsSync(path), false, 'log rows alone: no save after the data delay');
  store.put(ccrHash('data'), 'data', 'logs');
  await new Promise((r) => setTimeout(r, 400));
  const other = await openStore({ path });
  assert.deepEqual(other.listRequests().map((r) => (r as { n: number }).n), [2, 1], 'the data save wrote the log rows too');
  await other.close();
  await store.close();
});

test('two stores on one file: neither loses what the other saved', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const proxy = await openStore({ path });
  const cli = await openStore({ path });
  proxy.put(ccrHash('from proxy'), 'from proxy', 'logs');
  proxy.putMemo('memo', 'from proxy');
  proxy.appendRequest({ who: 'proxy' });
  await proxy.flush();
  cli.put(ccrHash('from cli'), 'from cli', 'search');
  // A miss re-reads the file the other process replaced.
  assert.equal(cli.get(ccrHash('from proxy'))?.text, 'from proxy');
  await cli.close();
  // The proxy's next save merges the cli's entry rather than overwriting it.
  proxy.put(ccrHash('later'), 'later', 'logs');
  await proxy.close();
  const check = await openStore({ path });
  for (const t of ['from proxy', 'from cli', 'later']) assert.equal(check.get(ccrHash(t))?.text, t);
  assert.equal(check.getMemo('memo'), 'from proxy');
  assert.equal(check.listRequests().length, 1);
  await check.close();
});

test('a save waits for a live lock holder however long it takes, takes over a dead one, and never writes unlocked', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const lock = `${path}.lock`;
  // A live process other than this one holds the lock, and its lock looks old.
  const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    writeFileSync(lock, `${holder.pid} sometoken`);
    const old = new Date(Date.now() - 30_000);
    utimesSync(lock, old, old);
    const store = await openStore({ path });
    store.put(ccrHash('waits'), 'waits', 'logs');
    let saved = false;
    const saving = store.flush().then(() => (saved = true));
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal(saved, false, 'still waiting for the live holder');
    assert.equal(existsSync(path), false, 'nothing written while the lock is held');
    unlinkSync(lock);
    await saving;
    assert.equal(await loadable(path), 1);

    // Waiting has an end: the save fails (and fn never runs) rather than write unlocked.
    writeFileSync(lock, `${holder.pid} sometoken`);
    let ran = false;
    await assert.rejects(withFileLock(path, async () => (ran = true), 300), /still held by process \d+ after/);
    assert.equal(ran, false);

    // A lock whose process is gone, or left with this process's pid by an earlier one (a container
    // restarted), is taken over at once.
    holder.kill();
    await once(holder, 'exit');
    for (const pid of [holder.pid, process.pid]) {
      writeFileSync(lock, `${pid} sometoken`);
      store.put(ccrHash(`after ${pid}`), `after ${pid}`, 'logs');
      const t0 = Date.now();
      await store.flush();
      assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    }
    await store.close();
    assert.equal(await loadable(path), 3);
    assert.equal(existsSync(lock), false);
  } finally {
    holder.kill();
  }
});

test('clear empties the store, also on disk', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const a = await openStore({ path });
  a.put(ccrHash('x'), 'x', 'logs');
  a.putMemo('k', 'v');
  a.appendRequest({});
  await a.flush();
  a.clear();
  assert.deepEqual({ ...a.summary(), path: null, oldest: null, newest: null }, {
    path: null, entries: 0, bytes: 0, oldest: null, newest: null, byKind: {}, memoEntries: 0, requests: 0,
  });
  await a.close();
  const b = await openStore({ path });
  assert.equal(b.summary().entries, 0);
  assert.equal(b.getMemo('k'), undefined);
  await b.close();
});

test('the engine stores originals that come back byte for byte after a reopen', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path });
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`2024-05-01T10:00:${String(i % 60).padStart(2, '0')}Z INFO worker-${i % 7} processed batch ${i} in ${i % 13} ms\n`);
  lines[1234] = '2024-05-01T10:20:34Z ERROR worker-3 failed: connection reset by peer (ECONNRESET)\n';
  const input = lines.join('');
  const { text, report } = compress(input, { store, countTokens: false });
  assert.ok(text.length < input.length, 'compressed');
  assert.ok(report.hashes.length > 0, 'markers emitted');
  await store.close();
  const again = await openStore({ path });
  for (const hash of report.hashes) {
    const got = again.get(hash);
    assert.ok(got, `hash ${hash} retrievable`);
    assert.equal(ccrHash(got.text), hash);
    assert.ok(input.includes(got.text));
  }
  await again.close();
});

test('an in-memory store never touches the disk', async () => {
  const dir = tempDir();
  const store = await openStore({ path: null, saveDelayMs: 1 });
  store.put(ccrHash('m'), 'm', 'logs');
  await store.flush();
  assert.equal(store.get(ccrHash('m'))?.text, 'm');
  await store.close();
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('a store path that is a directory is refused, not moved aside', async () => {
  const dir = tempDir();
  await assert.rejects(openStore({ path: dir }), /is a directory/);
  assert.ok(existsSync(dir));
});

test('a failing save is reported once through onWarning and flush rejects', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'not-a-dir'), 'x');
  const warnings: string[] = [];
  const store = await openStore({ path: join(dir, 'not-a-dir', 'store.sqlite'), onWarning: (m) => warnings.push(m) });
  store.put(ccrHash('a'), 'a', 'logs');
  await assert.rejects(store.flush());
  await assert.rejects(store.flush());
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /could not save its store to .*not-a-dir/);
  assert.equal(store.get(ccrHash('a'))?.text, 'a', 'still served from memory');
  await store.close();
});

test('large originals are stored gzip-compressed and come back exact; look-alike text is not mistaken for gzip', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path });
  const logs = Array.from({ length: 2000 }, (_, i) => `2024-05-01T10:00:00Z INFO request ${i} served in ${i % 17} ms ✓\n`).join('');
  const lookalike = '\u001f\u008b\u0008 not gzip, just odd characters ' + 'y'.repeat(1000);
  for (const t of [logs, lookalike]) store.put(ccrHash(t), t, 'logs');
  await store.close();
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  const rows = db.exec('SELECT hash, length(body), size FROM originals')[0].values;
  db.close();
  const logsRow = rows.find((r) => r[0] === ccrHash(logs))!;
  assert.equal(Number(logsRow[2]), Buffer.byteLength(logs, 'utf8'), 'size counts the original bytes');
  assert.ok(Number(logsRow[1]) < Number(logsRow[2]) / 4, 'body stored compressed');
  const again = await openStore({ path });
  assert.equal(again.get(ccrHash(logs))?.text, logs);
  assert.equal(again.get(ccrHash(lookalike))?.text, lookalike);
  assert.equal(again.summary().bytes, Buffer.byteLength(logs) + Buffer.byteLength(lookalike));
  await again.close();
});

test('originals written by the background slices are gzip-compressed and exact', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path, saveDelayMs: 60_000 });
  const texts = Array.from({ length: 40 }, (_, i) => Array.from({ length: 400 }, (_, j) => `${i} GET /item/${j % 50} 200 in ${j % 13} ms ✓`).join('\n'));
  for (const t of texts) store.put(ccrHash(t), t, 'logs');
  const staged = () => (store as unknown as { staged: Map<string, unknown> }).staged.size;
  // Nothing reads the tables meanwhile, so only the background slices write them.
  const until = Date.now() + 5000;
  while (staged() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  assert.equal(staged(), 0, 'written without a forced apply');
  await store.flush();
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  const rows = db.exec('SELECT length(body), size FROM originals')[0].values;
  db.close();
  assert.equal(rows.length, texts.length);
  for (const [stored, size] of rows) assert.ok(Number(stored) < Number(size) / 4, 'body stored compressed');
  const again = await openStore({ path });
  for (const t of texts) assert.equal(again.get(ccrHash(t))?.text, t);
  await again.close();
  await store.close();
});

test('staged writes: visible at once, in the table after a turn of the event loop, and saved by flush', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path, saveDelayMs: 60_000 });
  const texts = Array.from({ length: 50 }, (_, i) => `entry ${i}\n`.repeat(50 + i));
  for (const t of texts) store.put(ccrHash(t), t, 'logs');
  store.putMemo('proxy:k', 'compressed value');
  assert.equal(store.getMemo('proxy:k'), 'compressed value');
  assert.equal(store.has(ccrHash(texts[49])), true);
  const more = 'later entry\n'.repeat(100);
  store.put(ccrHash(more), more, 'logs');
  store.putMemo('proxy:k', 'replaced value');
  await new Promise((r) => setTimeout(r, 50));
  await store.flush();
  assert.equal(await loadable(path), 51);
  const again = await openStore({ path });
  assert.equal(again.get(ccrHash(more))?.text, more);
  assert.equal(again.getMemo('proxy:k'), 'replaced value');
  assert.equal(again.summary().entries, 51);
  await again.close();
  await store.close();
});

test('staged writes keep draining while the store is never idle', async () => {
  const store = await openStore({ path: join(tempDir(), 'store.sqlite'), saveDelayMs: 60_000 });
  // Far more than one 2 ms slice can write, but under the size that forces a write inside put().
  const texts = Array.from({ length: 300 }, (_, i) => Array.from({ length: 600 }, (_, j) => `${i} line ${j * 7919 % 1000} value=${(i * j) % 977}`).join('\n'));
  for (const t of texts) store.put(ccrHash(t), t, 'logs');
  const staged = () => (store as unknown as { staged: Map<string, unknown> }).staged.size;
  assert.equal(staged(), 300);
  // In steady use (a lookup every 2 ms) the store is never quiet; past the longest wait, it must
  // still write its backlog slice after slice, not one slice per wait.
  const busyUntil = performance.now() + 2500;
  while (performance.now() < busyUntil) {
    store.getMemo('proxy:none');
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.equal(staged(), 0, 'the backlog was written while the store stayed in use');
  assert.equal(store.get(ccrHash(texts[299]))?.text, texts[299]);
  await store.close();
});

test('a due save waits for a pause in the store\'s use', async () => {
  const path = join(tempDir(), 'store.sqlite');
  const store = await openStore({ path, saveDelayMs: 20 });
  store.put(ccrHash('busy'), 'busy', 'logs');
  const busyUntil = performance.now() + 400;
  while (performance.now() < busyUntil) {
    store.getMemo('proxy:none');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(existsSync(path), false, 'no save while the store is in steady use');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await loadable(path), 1, 'saved once idle');
  await store.close();
});
