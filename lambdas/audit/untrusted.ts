/**
 * Text that comes from the audited system (event messages, daemon names and versions, tags, health
 * messages, log samples, pod and template names, API error bodies) is untrusted: before a renderer puts it
 * on a terminal, in markdown or in an e-mail it goes through these functions, so that it can neither drive
 * the terminal (screen clears, OSC 52 clipboard writes, hyperlinks), nor start a line of its own (a forged
 * `$ command` under a finding), nor open a markdown code block or link. Every function is one linear pass.
 */

/**
 * C0 and C1 control characters (ESC, BEL, CSI 0x9b, OSC 0x9d, CR, LF, TAB...), DEL, the Unicode line and
 * paragraph separators, and the bidirectional overrides and isolates that reorder what a reader sees.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/g;

/** What each unsafe character becomes: line breaks a visible ⏎, tabs a space, others their control picture. */
function substitute(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n' || ch === '\r' || ch === '\u2028' || ch === '\u2029') return '⏎';
  if (ch === '\t') return ' ';
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // ␛ for ESC, ␇ for BEL...
  if (code === 0x7f) return '␡';
  return '�';
}

/**
 * One safe line of display text: every control character, escape sequence introducer, line break and
 * bidirectional override replaced by a visible, inert character; cut to `max` characters.
 */
export function neutralise(text: string, max = 4000): string {
  const cut = text.length > max ? `${text.slice(0, max - 1)}…` : text;
  return cut.replace(UNSAFE, substitute);
}

/**
 * Like `neutralise` for a multi-line text a check built (a Helm values snippet): each line neutralised, and
 * a line that would read as a command (`$ ...`) gets its `$` escaped, since only commands start with it.
 */
export function neutraliseLines(text: string, max = 4000): string[] {
  return (text.length > max ? `${text.slice(0, max - 1)}…` : text)
    .split('\n')
    .map((l) => neutralise(l, max).replace(/^(\s*)\$/, '$1\\$'));
}

/**
 * Untrusted text quoted inside a sentence: neutralised, wrapped in double quotes with `"` and `\` escaped,
 * so it reads as a value and never as a command or a line of its own.
 */
export function quote(text: string, max = 300): string {
  return `"${neutralise(text, max).replace(/["\\]/g, '\\$&')}"`;
}

/** Markdown metacharacters anywhere in a line: escaped with a backslash so untrusted text stays plain text. */
const MARKDOWN = /[\\`*_{}[\]()<>#|~&!]/g;
/** What only starts a block at the beginning of a line: list bullets, ordered lists. */
const BLOCK_START = /^(\s*)([-+]|\d{1,9}[.)])/;

/** Neutralised text, escaped for markdown (no emphasis, links, HTML, tables, headings, lists or code spans). */
export function escapeMarkdown(text: string, max = 4000): string {
  return neutralise(text, max)
    .replace(MARKDOWN, '\\$&')
    .replace(
      BLOCK_START,
      (_m, space: string, mark: string) => `${space}${mark.slice(0, -1)}\\${mark.slice(-1)}`,
    );
}

/** Longest run of backticks in `text`. */
function longestBacktickRun(text: string): number {
  let longest = 0;
  let run = 0;
  for (const ch of text) {
    run = ch === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** A markdown code span that untrusted text cannot close: its fence is longer than any backtick run inside. */
export function codeSpan(text: string, max = 500): string {
  const safe = neutralise(text, max);
  const fence = '`'.repeat(longestBacktickRun(safe) + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/**
 * A fenced markdown code block that untrusted lines cannot close: the fence is longer than any backtick
 * run inside, and each line is neutralised.
 */
export function codeBlock(lines: readonly string[], lang = ''): string[] {
  const safe = lines.map((l) => neutralise(l));
  const fence = '`'.repeat(Math.max(3, ...safe.map((l) => longestBacktickRun(l) + 1)));
  return [`${fence}${lang}`, ...safe, fence];
}
