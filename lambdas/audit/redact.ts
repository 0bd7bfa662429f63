/**
 * The one redaction module: every free-text field that comes from the audited system (log lines, health
 * report messages, API error bodies, SQL text, Kubernetes event messages) goes through it before it reaches
 * a finding, a table, a stored item, an e-mail or a log line.
 *
 * Every scan is bounded and linear: input is cut to a fixed number of characters before any pattern runs
 * (the cut drops the trailing partial token, so a secret straddling the cut cannot leak its first half),
 * and no pattern has nested or unbounded quantifiers that can backtrack over the whole line.
 */

/** Replacement of every secret-looking part of a text. */
export const REDACTED = '[REDACTED]';

/** Most characters of one text that are ever looked at; the rest is dropped before matching. */
export const MAX_SCAN_CHARS = 4096;

/**
 * Longest value a rule takes: the whole scanned text. A smaller cap would end a match inside a long value
 * and leave the rest of it (the secret at its end) in clear: input is bounded before matching, so the
 * patterns need no cap of their own to stay linear.
 */
const ANY = MAX_SCAN_CHARS;

const SECRET_KEYS =
  'password|passwd|pwd|passphrase|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|' +
  'id[_-]?token|session[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?access[_-]?key|' +
  'aws_secret_access_key|coder[_-]session[_-]token|authorization|credentials?|private[_-]?key|sslpassword';

/** A quoted or bare value: `"..."` / `\"...\"` (escaped quotes inside JSON strings) / `'...'` / bare word. */
const VALUE = String.raw`(\\"(?:[^"\\]|\\[^"]){0,${ANY}}\\"|"(?:[^"\\]|\\.){0,${ANY}}"|'[^']{0,${ANY}}'|[^\s,;&}"'\\]{1,${ANY}})`;

const RULES: readonly [RegExp, string | ((...m: string[]) => string)][] = [
  // URL user info, including passwords with `/`, `:` or `@`: everything up to the last `@` of the authority.
  [new RegExp(String.raw`\b([a-z][a-z0-9+.-]{0,30}:\/\/)(?:[^\s@]{0,${ANY}}@){1,8}`, 'gi'), `$1${REDACTED}@`],
  // HTTP authorization headers of any scheme (Bearer, Basic, Token, Negotiate...): the whole header value.
  [
    new RegExp(String.raw`\b(Authorization["']?\s{0,8}[:=]\s{0,8}["']?)[^"',;\r\n]{1,${ANY}}`, 'gi'),
    `$1${REDACTED}`,
  ],
  [new RegExp(String.raw`\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,${ANY}}`, 'gi'), `$1 ${REDACTED}`],
  // key=value, key: value, "key":"value", key="value", \"key\":\"value\" (keys that name a secret).
  [
    new RegExp(
      // A key starts a word (not the tail of a path or a name: `/sim/coder-token: ...` is an id, not a key).
      String.raw`((?<![\w./-])(?:\\?["'])?(?:[A-Za-z0-9_.-]{0,64}[_.-])?(?:${SECRET_KEYS})(?:\\?["'])?\s{0,8}[=:]\s{0,8})` +
        String.raw`(?!\[REDACTED\])${VALUE}`,
      'gi',
    ),
    (_m, k) => `${k}${REDACTED}`,
  ],
  // PEM private keys (a line of a log may hold the header alone).
  [
    /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[^-]{0,4096}(?:-----END [A-Z ]{0,40}PRIVATE KEY-----)?/g,
    REDACTED,
  ],
  // AWS access key ids.
  [/\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g, REDACTED],
  // JWTs.
  [/\beyJ[A-Za-z0-9_-]{5,2048}\.[A-Za-z0-9_-]{5,2048}\.[A-Za-z0-9_-]{0,2048}/g, REDACTED],
  // Coder API keys / session tokens: <10 char id>-<22 char secret>.
  [/\b[A-Za-z0-9]{10}-[A-Za-z0-9]{22,64}\b/g, REDACTED],
  // Long opaque strings (AWS secret keys, hex/base64 secrets); image digests (sha256:...) are not secrets.
  [/(?<![A-Za-z0-9/+]|sha256:|sha512:)[A-Za-z0-9/+_]{32,4096}={0,2}(?![A-Za-z0-9/+])/g, REDACTED],
];

/**
 * Cut `text` to `limit` characters, dropping the partial token at the cut (up to the last blank or
 * delimiter); a cut text with no delimiter at all is one opaque token and is redacted whole.
 */
function bound(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const end = /[\s,;&"'{}()[\]]\S*$/.exec(cut)?.index ?? -1;
  return end > 0 ? `${cut.slice(0, end)} …` : `${REDACTED} …`;
}

/**
 * Remove secrets from a text, keeping its line breaks: credentials in URLs (passwords with `/` or `@`
 * included), authorization headers (`Bearer`, `Basic`, `Token`...), secret-named values (`password=`,
 * `passphrase:`, `"client_secret":"..."`, escaped quotes), private keys, AWS access keys, JWTs, Coder tokens
 * and long opaque strings. At most `limit` characters are looked at and returned.
 */
export function redactText(text: string, limit = MAX_SCAN_CHARS): string {
  let out = bound(text, Math.min(limit, MAX_SCAN_CHARS));
  for (const [re, to] of RULES) out = out.replace(re, to as string);
  return out;
}

/** One line for a finding: redacted, whitespace collapsed, cut to `max` characters. */
export function redactLine(line: string, max = 200): string {
  const out = redactText(line).replace(/\s+/g, ' ').trim();
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** Redact every string inside a JSON-like value (evidence), bounding each. Numbers and booleans are kept. */
export function redactDeep<T>(value: T, limit = 1000, depth = 0): T {
  if (typeof value === 'string') return redactText(value, limit) as T;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v, limit, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, limit, depth + 1)])) as T;
}

const DOLLAR_TAG = /\$([A-Za-z_]\w{0,62})?\$/y;
const NUMBER = /(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/y;

/**
 * Make a SQL statement safe to show: string, dollar-quoted and numeric literals become `?`, comments
 * (nested block comments included, as PostgreSQL nests them) are dropped, whitespace is collapsed, the
 * general secret rules run on what is left, and the result is cut to `max` characters. One pass, bounded.
 */
export function redactSql(input: string, max = 200): string {
  const sql = input.length > MAX_SCAN_CHARS ? input.slice(0, MAX_SCAN_CHARS) : input;
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
      out += ' ';
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'" && !/[\w$]/.test(sql[i - 1] ?? ''))) {
      i = skipQuoted(sql, c === "'" ? i : i + 1, c !== "'");
      out += '?';
    } else if (c === '$' && ((DOLLAR_TAG.lastIndex = i), DOLLAR_TAG.test(sql))) {
      const tag = sql.slice(i, DOLLAR_TAG.lastIndex);
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? n : end + tag.length;
      out += '?';
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      const stop = end < 0 ? n : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
      NUMBER.lastIndex = i;
      NUMBER.test(sql);
      const m = sql.slice(i, Math.max(NUMBER.lastIndex, i + 1));
      // A digit that continues an identifier (t1) or a parameter ($1) is not a literal.
      out += /[\w$]/.test(sql[i - 1] ?? '') ? m : '?';
      i += m.length;
    } else {
      out += c;
      i += 1;
    }
  }
  return redactLine(out, max);
}

/** Index just past the block comment that opens at `start`; PostgreSQL block comments nest. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else i += 1;
  }
  return sql.length;
}

/** Index just past the quoted literal that opens at `start` ('' escapes; backslash escapes for E''). */
function skipQuoted(sql: string, start: number, backslashes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashes && c === '\\') i += 2;
    else if (c === "'" && sql[i + 1] === "'") i += 2;
    else if (c === "'") return i + 1;
    else i += 1;
  }
  return sql.length;
}
