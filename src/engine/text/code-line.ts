/**
 * What one line of source code is, judged from the line alone (search hits and diff lines come
 * without their file): a comment, a declaration (class, interface, struct, function, impl...), a
 * signature, or plain code. Language-agnostic regexes over the common C-like, Python, Go, Rust
 * and TypeScript shapes.
 */

const COMMENT = /^\s*(\/\/|\/\*|\*(?!\*?\s*[\w$(]+\s*[=;(])|#(?![!\[{]|include|define|if|endif|pragma)|--\s|;;|"""|'''|<!--|%\s)/;

const DECL_KEYWORD =
  /^\s*(?:(?:export|default|declare|pub(?:\([^)]*\))?|public|private|protected|internal|abstract|sealed|final|static|async|unsafe|extern|inline|virtual|override|readonly|const(?=\s+(?:fn|enum)))\s+)*(class|interface|struct|enum|trait|type|func|fn|def|function|impl|module|namespace|protocol|union|typedef|object|record|macro_rules!|mod)\b(.*)$/;

/** A member with a modifier: `public static primary = ...`, `private readonly x: T`. */
const MEMBER_DECL = /^\s*(?:public|private|protected|internal)?\s*(?:static|readonly|abstract|override)\s+(?:async\s+)?[\w$]+\s*[(:=<?!]/;

/** A method or function head without keyword: `fromString(mode: string): X {`, Go `Register(Collector) error`. */
const SIGNATURE = /^\s*(?:async\s+)?[\w$]+\s*(?:<[^<>]*>)?\s*\([^()]*(?:\([^()]*\)[^()]*)*\)\s*(?::\s*[^={};]+?\s*\{?|->\s*[^=;]+|\s+[\w*[\].]+(?:\s+[\w*[\].]+)?\s*\{?|\s*\{)?\s*$/;

/** A return annotation: Python `-> X:`, Rust `-> X`, TypeScript `): X {`. */
const RETURN_ANNOTATION = /\)\s*(?:->|:)\s*["']?[\w$.[\]<>|, "']+["']?\s*[:{]?\s*$/;

const CONTROL = /^\s*(?:if|for|while|switch|return|else|catch|match|case|throw|yield|await|try|do|with|assert|raise|elif|except|go|defer|select)\b/;

export type CodeLineKind = 'comment' | 'declaration' | 'signature' | 'code' | 'blank';

export function classifyCodeLine(text: string): CodeLineKind {
  if (text.trim() === '') return 'blank';
  if (COMMENT.test(text)) return 'comment';
  if (DECL_KEYWORD.test(text) || MEMBER_DECL.test(text)) return 'declaration';
  if (CONTROL.test(text)) return 'code';
  if (SIGNATURE.test(text) || RETURN_ANNOTATION.test(text)) return 'signature';
  return 'code';
}

/**
 * The names a declaration line declares or implements: `class X` → X, `impl<T> Tr for X<T>` → Tr
 * and X, `type X interface` → X, `func (r *R) Name(` → Name and R.
 */
export function declaredNames(text: string): string[] {
  const m = DECL_KEYWORD.exec(text);
  const names: string[] = [];
  if (m) {
    const rest = m[2].replace(/^\s*<[^>]*>/, '');
    if (m[1] === 'impl') {
      for (const n of rest.matchAll(/([A-Za-z_][\w]*)(?:<[^{]*?>)?/g)) if (n[1] !== 'for' && n[1] !== 'where') names.push(n[1]);
      return names;
    }
    const recv = /^\s*\(\s*\w+\s+\*?([\w]+)\s*\)\s*([\w]+)/.exec(rest);
    if (recv) return [recv[2], recv[1]];
    const n = /^\s*([A-Za-z_$][\w$]*)/.exec(rest);
    if (n) names.push(n[1]);
    return names;
  }
  const s = /^\s*(?:(?:public|private|protected|internal|static|readonly|abstract|override|async)\s+)*([\w$]+)/.exec(text);
  if (s) names.push(s[1]);
  return names;
}

/** The part after a return arrow or return-type colon, if any. */
export function returnType(text: string): string | undefined {
  const m = /\)\s*(?:->|:)\s*(.+?)\s*[:{]?\s*$/.exec(text);
  return m ? m[1] : undefined;
}
