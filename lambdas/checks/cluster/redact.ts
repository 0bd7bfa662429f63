/** Replacement of every secret-looking part of a line. */
export const REDACTED = '[REDACTED]';

const SECRET_KEYS =
  'password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|id[_-]?token|' +
  'session[_-]?token|api[_-]?key|apikey|access[_-]?key|secret[_-]?access[_-]?key|aws_secret_access_key|' +
  'coder[_-]session[_-]token|authorization|credentials?|private[_-]?key';

const RULES: readonly [RegExp, string | ((...m: string[]) => string)][] = [
  // URL user info: postgres://user:pass@host, https://user:pass@host
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, `$1${REDACTED}@`],
  // Authorization schemes
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  // key=value, key: value, "key":"value", key="value" (keys that name a secret)
  [
    new RegExp(
      `(["']?(?:[A-Za-z0-9_.-]*[_.-])?(?:${SECRET_KEYS})["']?\\s*[=:]\\s*)(?!(?:Bearer|Basic)\\b|\\[REDACTED\\])("[^"]*"|'[^']*'|[^\\s,;&}"']+)`,
      'gi',
    ),
    (_m, k) => `${k}${REDACTED}`,
  ],
  // libpq keyword/value connection strings: password=...
  [/\b(password)\s*=\s*\S+/gi, `$1=${REDACTED}`],
  // AWS access key ids
  [/\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}\b/g, REDACTED],
  // JWTs
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // Coder API keys / session tokens: <10 char id>-<22 char secret>
  [/\b[A-Za-z0-9]{10}-[A-Za-z0-9]{22,}\b/g, REDACTED],
  // Long opaque strings (AWS secret keys, hex/base64 secrets)
  [/(?<![A-Za-z0-9/+])[A-Za-z0-9/+_]{32,}={0,2}(?![A-Za-z0-9/+])/g, REDACTED],
];

/**
 * Make a log line safe to put in a finding: remove credentials in URLs, bearer/basic tokens, `password=`
 * and other secret-named values, AWS access keys, JWTs, Coder tokens and long opaque strings; collapse
 * whitespace; cut to `max` characters.
 */
export function redact(line: string, max = 200): string {
  let out = line.replace(/\s+/g, ' ').trim();
  for (const [re, to] of RULES) out = out.replace(re, to as string);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
