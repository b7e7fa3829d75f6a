/**
 * A few lines per language, parsed once right after a grammar loads: the first parse of a
 * WebAssembly grammar compiles its hot functions, and this moves that cost off the first request.
 */
import type { CodeLanguage } from './languages';

const C_LIKE = '#include <stdio.h>\n/* doc */\nstatic int add(int a, int b) {\n  if (a > b) { return a - b; }\n  for (int i = 0; i < b; i++) a += i;\n  return a + b;\n}\n';
const JS = "import { x } from './x';\n/** doc */\nexport class A extends B {\n  m(a, b = 1) {\n    const c = { k: [a, `t${b}`] };\n    if (a) return c?.k ?? null;\n    return () => { x(a, ...b); };\n  }\n}\n";

export const WARM_SNIPPETS: Record<CodeLanguage, string> = {
  typescript: JS + 'export interface I<T> { a?: T; b: string[] }\ntype U = I<number> | null;\nfunction f(x: number): string { return String(x as unknown); }\n',
  tsx: JS + 'export const C = ({ a }: { a: string }) => <div className="c">{a}</div>;\n',
  javascript: JS,
  python: 'import os\nfrom a import b\n\n@dec\nclass A(B):\n    """Doc."""\n\n    def m(self, a: int = 1) -> str:\n        if a > 1:\n            return f"{a}"\n        for i in range(a):\n            yield {i: [a, b]}\n',
  go: 'package p\n\nimport "fmt"\n\n// T doc\ntype T struct{ A int }\n\nfunc (t *T) M(a int) (int, error) {\n\tif a > 0 {\n\t\treturn 0, fmt.Errorf("x %d", a)\n\t}\n\tfor i := range []int{1} {\n\t\ta += i\n\t}\n\treturn a, nil\n}\n',
  rust: 'use std::fmt;\n/// Doc\n#[derive(Debug)]\npub struct S { a: u32 }\nimpl S {\n    pub fn m(&mut self, b: &str) -> Option<u32> {\n        let v: Vec<u32> = b.chars().map(|c| c as u32).collect();\n        match v.first() { Some(x) => Some(*x), None => None }\n    }\n}\n',
  java: 'package p;\nimport java.util.List;\n/** Doc */\npublic class A {\n  private final List<String> xs;\n  @Override\n  public String toString() {\n    for (String x : xs) { if (x == null) throw new IllegalStateException("x"); }\n    return String.join(",", xs);\n  }\n}\n',
  c: C_LIKE + 'struct s { int a; char *b; };\n',
  cpp: C_LIKE + 'namespace n {\ntemplate <typename T>\nclass A : public B {\npublic:\n  T &at(std::size_t i) { return v_[i]; }\nprivate:\n  std::vector<T> v_;\n};\n}\n',
};
