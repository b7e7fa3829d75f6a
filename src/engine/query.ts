/** The agent's question, reduced to terms that lossy compressors match against content. */

const STOPWORDS = new Set(
  ('a an and any are as at be but by can did do does each for from give has have how i if in into is it its ' +
    'list me my no not of on one or our out say show so such than that the their them then there these they this ' +
    'those to two was were what when where which who whom why will with would you your all also been being both ' +
    'could every first from here just like more most much need now only other over same should some still tell ' +
    'very was way well while why yet about after before between during under again further once kind kinds file files ' +
    'line lines find found look near new old part report reports see use used uses using get got').split(' '),
);

export interface Query {
  readonly text: string;
  /** Lowercased words and identifiers of the question, stopwords removed. */
  readonly terms: readonly string[];
  /** Number of distinct terms that occur in the text (case-insensitive). */
  score(text: string): number;
}

function extractTerms(question: string): string[] {
  const terms = new Set<string>();
  // Identifiers, paths, dotted names and numbers, as written.
  for (const m of question.matchAll(/[A-Za-z_$][\w$]*(?:[./:-][\w$]+)*|#?\d[\w.-]*/g)) {
    const raw = m[0];
    const lower = raw.toLowerCase();
    if (raw.length >= 3 && !STOPWORDS.has(lower)) terms.add(lower);
    // Parts of compound identifiers: Server.tryShutdown -> server, tryshutdown; lib/errors.js -> errors.
    for (const part of raw.split(/[./:-]/)) {
      const p = part.toLowerCase();
      if (p.length >= 3 && !STOPWORDS.has(p)) terms.add(p);
    }
  }
  return [...terms];
}

/** The last query made: a request's tool outputs are all compressed against the same question. */
let lastQuery: Query | undefined;

export function makeQuery(question: string | undefined): Query {
  const text = question ?? '';
  if (lastQuery?.text === text) return lastQuery;
  lastQuery = buildQuery(text);
  return lastQuery;
}

function buildQuery(text: string): Query {
  const terms = extractTerms(text);
  return {
    text,
    terms,
    score(s: string): number {
      if (terms.length === 0) return 0;
      const lower = s.toLowerCase();
      let n = 0;
      for (const t of terms) if (lower.includes(t)) n++;
      return n;
    },
  };
}
