/**
 * What a diagnostic line is about: the file it points at (grouped per package inside node_modules
 * or vendored trees), its code (TS2305, E0425, no-undef...) and a template for deduplication.
 */

const LOCATIONS: RegExp[] = [
  /^\s*(\S[^()]*?)\((\d+),(\d+)\): (error|warning)/, // tsc: file(l,c): error TS...
  /^\s*([^\s:()]+\.[A-Za-z]\w*):(\d+)(?::(\d+))?:\s/, // gcc/clang/go/eslint-unix: file:l:c: ...
  /^\s*-->\s*([^\s:]+):(\d+)(?::(\d+))?/, // rustc location line
];

/** The source file a diagnostic line names at its start, if any. */
export function diagnosticFile(line: string): string | undefined {
  for (const re of LOCATIONS) {
    const m = re.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Files inside a dependency directory group by package: many errors in one package's typings are one story. */
export function fileGroup(file: string): string {
  const norm = file.replace(/\\/g, '/');
  const m = /^(.*?(?:node_modules|site-packages|vendor|\.cargo\/registry\/src\/[^/]+)\/)(@[^/]+\/[^/]+|[^/]+)/.exec(norm);
  return m ? m[1] + m[2] : norm;
}

const CODE = /\b(TS\d{3,5}|E\d{4}|[A-Z][A-Z_]{0,11}\d{3,5})\b|\s((?:@[\w-]+\/)?[a-z][\w-]*(?:\/[\w-]+)?)\s*$/;

/** A short diagnostic code for marker descriptions: TS7006, E0425, C2065 or a trailing lint rule. */
export function diagnosticCode(line: string): string | undefined {
  const m = CODE.exec(line);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * A line's template: quoted text, paths, hex and free-standing numbers replaced, codes kept. Two
 * lines with the same template say the same thing about different names or places.
 */
export function lineTemplate(line: string): string {
  return line
    .trim()
    .slice(0, 400)
    .replace(/(['"`])(?:(?!\1).){0,200}?\1/g, '*')
    .replace(/\S*[/\\]\S*/g, '<p>')
    .replace(/0x[0-9a-fA-F]+/g, '#')
    .replace(/(?<![A-Za-z])\d+(\.\d+)*/g, '#')
    .replace(/\s+/g, ' ');
}
