/**
 * Line roles in build and test output. The order of the checks matters: a passing test whose name
 * contains "error" is a pass, and "ℹ fail 2" or "test result: FAILED." are summaries, not failures.
 */

export type LineRole =
  | 'blank'
  | 'summary' // counts and final verdicts: always kept
  | 'fail' // errors, failing tests, exceptions: kept (deduplicated by template)
  | 'warn' // warnings and deprecations: one per template
  | 'pass' // passing tests
  | 'skip' // skipped / todo tests
  | 'suite' // suite openers and run announcements
  | 'progress' // compiling / downloading / installing lines
  | 'other';

const SUMMARY: RegExp[] = [
  /^\s*[ℹ#]\s*(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms)\s+\d/,
  /^\s*\d+\.\.\d+\s*$/, // TAP plan
  /^\s*test result: /,
  /^\s*(Tests|Test Suites|Test Files|Snapshots|Suites|Time|Duration|Ran all test suites)\b:?\s/,
  /^\s*\d+ (passing|failing|pending)\b/,
  /^=+ .*\b(passed|failed|errors?|skipped|warnings?|deselected|xfailed)\b.* in [\d.]+m?s\b/,
  /^(FAIL|PASS|ok)\s*$/,
  /^\s*Found \d+ errors?\b/,
  /^\s*\d+ problems? \(\d+ errors?, \d+ warnings?\)/,
  /^\s*(error|warning): (could not compile|aborting due to|build failed)/,
  /^\s*Finished (`|\w+ \[)/,
  /^\s*Successfully (installed|built)\b/,
  /^\s*(added|removed|changed|audited) \d+ packages?\b/,
  /^\s*found \d+ vulnerabilit/,
  /\bBUILD (SUCCESS|SUCCESSFUL|FAILURE|FAILED)\b/,
  /^\s*Ran \d+ tests? in /,
  /^(OK|FAILED)( \(.*\))?\s*$/,
  /^\s*\d+ (tests?|examples?|specs?)(,| completed)/,
];

const PASS: RegExp[] = [
  /^\s*(✔|✓|√|☑)\s/,
  /^\s*ok \d+\b/,
  /^\s*PASS\s+\S/,
  /^\s*--- PASS:/,
  /^\s*test .+ \.\.\. ok\s*$/,
  /^ok\s+\S+\s+(\(cached\)|[\d.]+m?s)/,
  /\bPASSED\b(\s+\[\s*\d+%\])?\s*$/,
  /^\s*[.s]+\s*(\[\s*\d+%\])?\s*$/,
];

const SKIP: RegExp[] = [/^\s*(﹣|-)\s.*#\s*(SKIP|TODO)\b/i, /#\s*(SKIP|TODO)\b/, /^\s*--- SKIP:/, /\bSKIPPED\b/, /^\s*test .+ \.\.\. ignored\s*$/];

const SUITE: RegExp[] = [
  // Gradle task announcements (a failed task, `> Task :app:test FAILED`, is a failure).
  /^> (Task :\S+( (UP-TO-DATE|NO-SOURCE|FROM-CACHE|SKIPPED))?|Configure project :\S*)\s*$/,/^\s*▶\s/, /^\s*# Subtest:/, /^\s*=== (RUN|PAUSE|CONT|NAME)\b/, /^\s*running \d+ tests?\b/, /^\s*Running\s+\S/, /^\s*RUNS?\s+\S/];

const PROGRESS: RegExp[] = [
  /^\s*(Compiling|Checking|Documenting|Downloading|Downloaded|Fetching|Installing|Collecting|Building|Resolving|Updating|Unpacking|Preparing|Using cached|Requirement already satisfied|Blocking|Locking|Adding|Fresh|Packaging|Verifying|Linking|Generating|Processing|Obtaining|Extracting|Copying)\b/,
  /^\s*\[\d+\/\d+\]\s/,
  /^\s*\d{1,3}(\.\d+)?%/,
  /[━█▇▆▅▄▃▂▁#=]{8,}/,
  /^\s*(npm (http|timing|sill|verb)|npm notice)\b/,
];

const FAIL: RegExp[] = [
  /^\s*(✖|✗|×|✘|❌)\s/,
  /^\s*not ok \d+/,
  /^\s*(FAIL|FAILED|ERROR)\b/,
  /^\s*--- FAIL:/,
  /^\s*●\s/,
  /^\s*\d+\) \S/,
  /\.\.\. (FAILED|failed|FAIL|ERROR)\s*$/,
  /^_{3,} .+ _{3,}\s*$/,
  /^E\s{2,}\S/,
  /\berror( TS\d+|\[\w+\])?:/i,
  /^\s*\d+:\d+\s+error\s/,
  /\b(errors?|ERRORS?|Error|fatal|FATAL|Fatal|panic|panicked|PANIC|Exception|EXCEPTION|Traceback|failed|FAILED|Failed|failure|FAILURE|Failure|failing)\b/,
  /\w(Error|Exception)\b/,
  /\b(Segmentation fault|core dumped|Killed|Aborted|timed out|Timeout|TIMEOUT|Unhandled|Uncaught|undefined reference)\b/,
  /^npm (ERR!|error)/,
  /^\s*\[(ERROR|FATAL|SEVERE)\]/,
  /^\s*test at \S+:\d+:\d+/,
  /^---- \S+ std(out|err) ----$/, // cargo test: the captured output of a failing test
  /^\s+[\w./-]+_test\.go:\d+: /, // t.Error / t.Fatal output of go test
  /^(\.{0,2}\/)?[\w@.+~\-/]+\.go:\d+:\d+: \S/, // go build / go vet: file.go:line:col: message
  /^\s*[^\s:]+\.\w+:\d+:\d+: (?!W\d)[A-Z]{1,4}\d{2,4}\b/, // ruff / flake8 / pylint: file:l:c: CODE message
];

const WARN: RegExp[] = [/\b(warning|Warning|WARNING|WARN|warn)\b/, /\bdeprecat/i, /^\s*\d+:\d+\s+warning\s/, /^\s*[^\s:]+\.\w+:\d+:\d+: W\d{2,4}\b/];

/** One alternation per flag set: a single pass per role instead of one per pattern. */
function combine(res: RegExp[]): RegExp[] {
  const byFlags = new Map<string, string[]>();
  for (const re of res) byFlags.set(re.flags, [...(byFlags.get(re.flags) ?? []), `(?:${re.source})`]);
  return [...byFlags].map(([flags, sources]) => new RegExp(sources.join('|'), flags));
}

const ROLES = {
  summary: combine(SUMMARY), pass: combine(PASS), skip: combine(SKIP), suite: combine(SUITE),
  fail: combine(FAIL), warn: combine(WARN), progress: combine(PROGRESS),
};

function any(res: RegExp[], line: string): boolean {
  for (const re of res) if (re.test(line)) return true;
  return false;
}

/** The role of one line (without terminator). Very long lines are judged by their start. */
export function classifyLine(line: string): LineRole {
  if (line.trim() === '') return 'blank';
  const l = line.length > 600 ? line.slice(0, 600) : line;
  // Fast path for the bulk of a test run: a passing-test mark opens no other kind of line.
  const first = l.trimStart().charCodeAt(0);
  if (first === 0x2714 || first === 0x2713) return 'pass';
  if (any(ROLES.summary, l)) return 'summary';
  if (any(ROLES.pass, l)) return 'pass';
  if (any(ROLES.skip, l)) return 'skip';
  if (any(ROLES.suite, l)) return 'suite';
  if (l.startsWith('{"')) return jsonRecordRole(l);
  if (any(ROLES.fail, l)) return 'fail';
  if (any(ROLES.warn, l)) return 'warn';
  if (any(ROLES.progress, l)) return 'progress';
  return 'other';
}

/**
 * A structured log record printed by the code under test (pino, bunyan, winston JSON): judged by
 * its level field, not by words inside its payload.
 */
function jsonRecordRole(line: string): LineRole {
  const m = /"(?:level|severity|lvl)":\s*(?:(\d+)|"(\w+)")/.exec(line);
  if (!m) return any(ROLES.fail, line) ? 'fail' : 'other';
  const level = m[1] !== undefined ? Number(m[1]) : NaN;
  const name = (m[2] ?? '').toLowerCase();
  if (level >= 50 || /^(error|err|fatal|critical|crit|panic|emerg|alert)$/.test(name)) return 'fail';
  if (level === 40 || /^warn(ing)?$/.test(name)) return 'warn';
  return 'other';
}

/** Lines that continue the block above them whatever their indentation (compiler snippets, pytest). */
export const CONTINUATION = /^\s*(\d+\s*)?\|(\s|$)|^\s*(-->|::: |= (note|help)\b)|^[>E] |^\s+at\s/;

/** Lines after which the block extends to the next blank line (Go panics and goroutine dumps). */
export const DUMP_START = /^(panic: |fatal error: |goroutine \d+ \[)/;
