/**
 * A tiny server-side syntax highlighter: splits code into comments, strings, numbers, keywords
 * and the rest, escapes every piece, and wraps the interesting ones in `<span class="tok-…">`.
 * Good enough for blog posts in common languages; no dependencies, no client JavaScript.
 */
const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const KEYWORDS: Record<string, string[]> = {
  js: "async await break case catch class const continue default delete do else export extends false finally for from function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while yield interface type enum implements as readonly".split(
    " ",
  ),
  py: "and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield self".split(
    " ",
  ),
  sh: "if then else elif fi for while do done case esac in function export local return echo cd set unset source sudo".split(" "),
  sql: "select from where insert into values update set delete create table index on join left right inner outer group by order limit offset as and or not null primary key references unique with returning ignore conflict do nothing".split(
    " ",
  ),
  go: "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false".split(
    " ",
  ),
  rust: "as async await break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while".split(
    " ",
  ),
  json: "true false null".split(" "),
};
const ALIASES: Record<string, keyof typeof KEYWORDS> = {
  js: "js",
  javascript: "js",
  jsx: "js",
  ts: "js",
  typescript: "js",
  tsx: "js",
  mjs: "js",
  py: "py",
  python: "py",
  sh: "sh",
  bash: "sh",
  shell: "sh",
  zsh: "sh",
  console: "sh",
  sql: "sql",
  sqlite: "sql",
  go: "go",
  golang: "go",
  rs: "rust",
  rust: "rust",
  json: "json",
  jsonc: "json",
};

function tokenRegex(lang: keyof typeof KEYWORDS) {
  const comment =
    lang === "py" || lang === "sh" ? String.raw`#[^\n]*` : lang === "sql" ? String.raw`--[^\n]*` : String.raw`\/\/[^\n]*|\/\*[\s\S]*?\*\/`;
  const str = String.raw`"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'` + (lang === "js" || lang === "go" ? "|`(?:[^`\\\\]|\\\\.)*`" : "");
  return new RegExp(`(${comment})|(${str})|(\\b\\d+(?:\\.\\d+)?\\b)|([A-Za-z_$][\\w$]*)`, "g");
}

export function highlight(code: string, language: string | undefined): string {
  const lang = ALIASES[(language ?? "").toLowerCase().trim()];
  if (!lang) return escapeHtml(code);
  const keywords = new Set(KEYWORDS[lang]);
  const caseless = lang === "sql";
  const re = tokenRegex(lang);
  let out = "";
  let last = 0;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    out += escapeHtml(code.slice(last, m.index));
    const [text, comment, str, num, word] = m;
    if (comment) out += `<span class="tok-c">${escapeHtml(text)}</span>`;
    else if (str) out += `<span class="tok-s">${escapeHtml(text)}</span>`;
    else if (num) out += `<span class="tok-n">${text}</span>`;
    else if (word && keywords.has(caseless ? word.toLowerCase() : word)) out += `<span class="tok-k">${escapeHtml(text)}</span>`;
    else out += escapeHtml(text);
    last = m.index + text.length;
  }
  return out + escapeHtml(code.slice(last));
}
