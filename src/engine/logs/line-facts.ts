/** Cheap per-line facts a log compressor needs: the leading timestamp, severity, continuation. */

const MON = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const HMS = '\\d{1,2}:\\d{2}(?::\\d{2})?(?:[.,]\\d+)?';
const ZONE = '(?:\\s?(?:Z|[+-]\\d{2}:?\\d{2}|UTC|GMT))?';

/** Timestamp shapes seen at the start of log lines (after an optional bracket). */
const LEADING_TS = new RegExp(
  '^[\\[(]?(?:' +
    [
      `\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}(?:[T ]${HMS}${ZONE})?`, // ISO-like date, optional time
      `(?:${DAY},? )?${MON} +\\d{1,2},?(?: \\d{4})? ${HMS}(?: \\d{4})?`, // syslog, apache error log
      `\\d{1,2}[-/](?:\\d{1,2}|${MON})[-/]\\d{2,4}[ :T]${HMS}${ZONE}`, // 17/06/09 20:10:40, 10/Oct/2000:13:55:36
      `\\d{2}[-.]\\d{2} ${HMS}`, // android logcat, proxifier
      `\\d{8}[-T ]?\\d{1,2}:\\d{2}:\\d{2}(?:[:.,]\\d+)?`, // compact date: 20171223-22:15:29:606
      '\\d{6}[ -]\\d{6}(?:[.,]\\d+)?', // yymmdd hhmmss
      `${HMS}`, // time only
      '\\d{13}|\\d{10}(?:\\.\\d+)?(?=\\D|$)', // epoch ms / s
    ].join('|') +
    ')[\\])]?',
);

/** A timestamp somewhere early in the line (access logs put it after the client address). */
const INNER_TS = new RegExp(
  `\\[\\d{1,2}/${MON}/\\d{4}:\\d{2}:\\d{2}:\\d{2}(?: [+-]\\d{4})?\\]|\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}:\\d{2}(?:[.,]\\d+)?${ZONE}`,
);

/** The timestamp a line starts with (or carries early on), verbatim, or undefined. */
export function timestampOf(line: string): string | undefined {
  const m = LEADING_TS.exec(line);
  if (m && m[0].length >= 5) return m[0];
  const head = line.length > 120 ? line.slice(0, 120) : line;
  const inner = INNER_TS.exec(head);
  return inner ? inner[0] : undefined;
}

/** LEADING_TS, sticky: test() leaves the match's end in lastIndex without building a match array. */
const LEADING_TS_STICKY = new RegExp(LEADING_TS.source, 'y');

/** True when the line starts with a timestamp (used to tell entry heads from continuation lines). */
export function startsWithTimestamp(line: string): boolean {
  LEADING_TS_STICKY.lastIndex = 0;
  return LEADING_TS_STICKY.test(line) && LEADING_TS_STICKY.lastIndex >= 5;
}

/**
 * Words that mark an event worth keeping: errors, failures, warnings, exceptions and the usual
 * anomalies (timeouts, refusals, resets, thresholds). Deliberately broad: safety first.
 */
const SEVERE = new RegExp(
  '(?:^|[^a-z])(?:' +
    [
      'errors?', 'err', 'fail(?:s|ed|ures?|ing)?', 'fatal', 'panic(?:ked|s)?', 'exceptions?', 'abort(?:ed|ing|s)?',
      'crash(?:ed|es)?', 'critical', 'crit', 'severe', 'emerg(?:ency)?', 'alert', 'denied', 'refused', 'invalid',
      'illegal', 'unauthori[sz]ed', 'forbidden', 'timed? ?out', 'timeouts?', 'unreachable', 'unavailable', 'unable',
      'cannot', "can'?t", "couldn'?t", 'could not', 'not found', 'no such', 'missing', 'corrupt(?:ed|ion)?',
      'segfault', 'segmentation', 'killed', 'oom', 'out of memory', 'overflow', 'deadlock', 'violation', 'mismatch',
      'rejected', 'broken', 'lost', 'abnormal(?:ly)?', 'unexpected(?:ly)?', 'unknown', 'warn(?:ing|ings)?',
      'exceed(?:s|ed)?', 'threshold', 'traceback', 'caused by', 'break-in', 'too many', 'did not', 'reset',
      'halt(?:ed)?', 'problem', 'disconnect(?:ed)?', 'down', 'retry(?:ing)?', 'stack ?trace',
    ].join('|') +
    ')(?![a-z])',
  'i',
);

/** Lines whose level says they are merely informational. */
const QUIET_LEVEL = /(?:^|[\s\[|(<])(?:TRACE|DEBUG|trace|debug)(?:[\]|):>\s]|$)/;

/**
 * One-letter levels: glog/klog (`E0101 12:00:00.000`), logcat threadtime (`03-17 16:13:38.811  1702
 * 2395 E Tag:`) and brief (`E/Tag( 1702):`) formats.
 */
const LETTER_LEVEL = /^(?:[EWF]\d{4} \d|[EWF]\/[\w.$-]+\s*\(|\d\d-\d\d [\d:.]+\s+\d+\s+\d+\s+[EWF]\s)/;

/** True when a line looks like an error, failure, warning, exception or anomaly. */
export function isSevere(line: string): boolean {
  const head = line.length > 600 ? line.slice(0, 600) : line;
  if (LETTER_LEVEL.test(head)) return true;
  return SEVERE.test(head) && !QUIET_LEVEL.test(head.slice(0, 80));
}

/** Lines that continue the previous entry whatever their indentation (stack traces, chained causes). */
const CONTINUATION = /^(?:\s+at\s|\s*\.\.\. \d+ (?:more|common frames)|Caused by:|Suppressed:|Traceback \(most recent call last\)|During handling of the above exception|The above exception was the direct cause|\s+File ".*", line \d+|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:Exception|Error|Throwable)\b)/;

export function looksLikeContinuation(line: string): boolean {
  return CONTINUATION.test(line);
}
