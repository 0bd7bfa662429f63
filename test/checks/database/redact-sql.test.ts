import { describe, expect, it } from 'vitest';
import { redactSql } from '../../../lambdas/checks/database/redact-sql.js';

describe('Function: redactSql', () => {
  it('replaces string and numeric literals, keeps identifiers and parameters', () => {
    expect(
      redactSql("SELECT * FROM users WHERE email = 'a@b.c' AND id = 42 AND t1.x > 3.5e2 AND y = $1"),
    ).toBe('SELECT * FROM users WHERE email = ? AND id = ? AND t1.x > ? AND y = $1');
  });

  it('handles escaped quotes, E-strings, dollar quotes and quoted identifiers', () => {
    expect(
      redactSql(`UPDATE "Users" SET note = 'it''s', k = E'a\\'b', body = $body$ secret $body$, v = $$x$$`),
    ).toBe('UPDATE "Users" SET note = ?, k = ?, body = ?, v = ?');
  });

  it('drops comments and collapses whitespace', () => {
    expect(redactSql("SELECT 1 -- token 'abc'\n  /* password=hunter2 */ FROM\tdual")).toBe(
      'SELECT ? FROM dual',
    );
  });

  it('redacts an unterminated literal (the text was truncated) and cuts to 200 characters', () => {
    expect(redactSql("INSERT INTO logs VALUES ('secret-that-was-cut")).toBe('INSERT INTO logs VALUES (?');
    const long = `SELECT ${'col, '.repeat(100)}x FROM t`;
    const out = redactSql(long);
    expect(out).toHaveLength(200);
    expect(out.endsWith('…')).toBe(true);
  });
});
