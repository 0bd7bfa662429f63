/**
 * Make a statement safe to show: string, dollar-quoted and numeric literals become `?`, comments are
 * dropped, whitespace is collapsed, and the result is cut to `max` characters. Redaction happens
 * before truncation, so a literal cut short (pg_stat_activity truncates too) is still redacted.
 */
export function redactSql(sql: string, max = 200): string {
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
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      out += ' ';
    } else if (c === "'" || ((c === 'E' || c === 'e') && next === "'" && !/[\w$]/.test(sql[i - 1] ?? ''))) {
      i = skipQuoted(sql, c === "'" ? i : i + 1, c !== "'");
      out += '?';
    } else if (c === '$' && /^\$([A-Za-z_]\w*)?\$/.test(sql.slice(i))) {
      const tag = /^\$([A-Za-z_]\w*)?\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? n : end + tag.length;
      out += '?';
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      const stop = end < 0 ? n : end + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(sql.slice(i))![0];
      // A digit that continues an identifier (t1) or a parameter ($1) is not a literal.
      if (/[\w$]/.test(sql[i - 1] ?? '')) out += m;
      else out += '?';
      i += m.length;
    } else {
      out += c;
      i += 1;
    }
  }
  const flat = out.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
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
