import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SCAN_CHARS,
  REDACTED,
  redactDeep,
  redactLine,
  redactSql,
  redactText,
} from '../../lambdas/audit/redact.js';

describe('Function: redactLine', () => {
  it.each([
    ['postgres://coder:S3cr3t@db:5432/coder', 'S3cr3t'],
    ['Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'eyJhbGciOiJSUzI1NiJ9'],
    ['password=hunter2 host=db', 'hunter2'],
    ['{"client_secret":"abc123xyz"}', 'abc123xyz'],
    ['Coder-Session-Token: CANARYabcdef123456-cdrtok', 'CANARYabcdef123456'],
    ['key AKIAABCDEFGHIJKLMNOP', 'AKIAABCDEFGHIJKLMNOP'],
    ['aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', 'wJalrXUtnFEMI'],
    ['api key 5bX3kZ1mQp-a1B2c3D4e5F6g7H8i9J0k1L', '5bX3kZ1mQp-a1B2'],
    // What the first version missed.
    ['GET /api/v2/users/me Authorization: Token Zx81kqP0tT', 'Zx81kqP0tT'],
    ['authorization="Token Zx81kqP0tT"', 'Zx81kqP0tT'],
    ['dsn postgres://coder:pa/ss@w0rd@db.internal:5432/coder?sslmode=require', 'pa/ss'],
    ['dsn postgres://coder:pa/ss@w0rd@db.internal:5432/coder?sslmode=require', 'w0rd'],
    ['msg="{\\"password\\":\\"hunter 2 x\\"}"', 'hunter 2 x'],
    ['config password=\\"my secret\\" next', 'my secret'],
    ['ssh passphrase: CorrectHorse', 'CorrectHorse'],
    ['-----BEGIN RSA PRIVATE KEY----- MIIEowIBAAKCAQEA7x', 'MIIEowIBAAKCAQEA7x'],
  ])('removes the secret from %s', (line, secret) => {
    const out = redactLine(line);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('keeps the runbook patterns, real log formats and ordinary ids readable', () => {
    expect(redactLine('error: token expired for user alice')).toBe('error: token expired for user alice');
    expect(redactLine('{"error":"connection refused"}')).toBe('{"error":"connection refused"}');
    expect(redactLine('trace 123e4567-e89b-12d3-a456-426614174000')).toBe(
      'trace 123e4567-e89b-12d3-a456-426614174000',
    );
    const slog =
      '2024-05-01 12:00:00.000 [erro] coderd: ping database  error="dial tcp 10.0.1.5:5432: connect: connection refused"';
    expect(redactLine(slog, 500)).toBe(slog.replace(/\s+/g, ' '));
    expect(redactLine('image ghcr.io/coder/coder@sha256:' + 'ab12'.repeat(16))).not.toContain(REDACTED);
  });

  it('truncates to 200 characters by default', () => {
    const out = redactLine('x '.repeat(300));
    expect(out.length).toBe(200);
    expect(out.endsWith('…')).toBe(true);
  });
});

describe('Function: redactText', () => {
  it('keeps line breaks (remediation snippets, multi-line health messages)', () => {
    expect(redactText('a: 1\n  password: x1y2z3\nb: 2')).toBe(`a: 1\n  password: ${REDACTED}\nb: 2`);
  });

  it('drops the token cut by the scan limit, so half a secret never shows', () => {
    const text = `${'word '.repeat(819)}postgres://coder:${'S'.repeat(40)}@db/coder`;
    expect(text.length).toBeGreaterThan(MAX_SCAN_CHARS);
    const out = redactText(text);
    expect(out).not.toContain('SSSS');
    expect(out.endsWith('…')).toBe(true);
  });

  it('ends no match inside a long value: the secret at the end of a long header or value is redacted too', () => {
    const s = 'Qz9aaAA00aaA0AA';
    // fast-check found the first one: the header rule stopped 1024 characters in, just before the secret.
    const header = 'Authorization: '.repeat(200);
    expect(redactText(`${header.slice(0, 1029)} password=${s} ${header.slice(1029, 1529)}`)).not.toContain(s);
    expect(redactText(`password=${'a-'.repeat(300)}${s}`)).toBe(`password=${REDACTED}`);
    expect(redactText(`"password": "${'a-'.repeat(300)}${s}"`)).toBe(`"password": ${REDACTED}`);
    expect(redactText(`postgres://u:${'a-'.repeat(150)}${s}@db/c`)).toBe(`postgres://${REDACTED}@db/c`);
  });
});

describe('Function: redactDeep', () => {
  it('redacts every string of nested evidence and keeps numbers', () => {
    expect(redactDeep({ n: 3, s: ['password=abc', { u: 'https://u:p4ss@h/x' }] })).toEqual({
      n: 3,
      s: [`password=${REDACTED}`, { u: `https://${REDACTED}@h/x` }],
    });
  });
});

/** Long lines made of the pieces that make backtracking patterns slow. */
const adversarial = fc
  .tuple(
    fc.constantFrom(
      'a',
      'password',
      'pass_word_',
      '://',
      'x:',
      '@',
      '=',
      'eyJ',
      'AKIA',
      '\\"',
      '"',
      'Authorization: ',
      '-',
      '/',
      'Bearer ',
      ' ',
      '0123456789',
    ),
    fc.integer({ min: 2_000, max: 60_000 }),
  )
  .map(([piece, times]) => piece.repeat(Math.ceil(times / piece.length)));

describe('Property: bounded, linear scans', () => {
  it('looks at no more than MAX_SCAN_CHARS characters, whatever follows', () => {
    fc.assert(
      fc.property(
        fc.array(adversarial, { minLength: 1, maxLength: 3 }),
        fc.string({ maxLength: 2_000 }),
        fc.string({ maxLength: 2_000 }),
        (parts, tailA, tailB) => {
          const head = (parts.join('') + 'a'.repeat(MAX_SCAN_CHARS)).slice(0, MAX_SCAN_CHARS);
          // Same first MAX_SCAN_CHARS characters, different rest: same output, so the work is bounded.
          expect(redactText(head + 'z' + tailA)).toBe(redactText(head + 'z' + tailB));
          expect(redactLine(head + tailA, 300).length).toBeLessThanOrEqual(300);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never lets a secret through, wherever it sits in adversarial text', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/).map((s) => `Qz9${s}`);
    const wraps = [
      (s: string) => `password=${s}`,
      (s: string) => `postgres://u:${s}@db:5432/c`,
      (s: string) => `postgres://u:a/${s}@b@db/c`,
      (s: string) => `Authorization: Token ${s}`,
      (s: string) => `{\\"passphrase\\":\\"${s}\\"}`,
      (s: string) => `"client_secret": "${s}"`,
    ];
    fc.assert(
      fc.property(adversarial, secret, fc.constantFrom(...wraps), fc.nat(3_000), (noise, s, put, at) => {
        const line = `${noise.slice(0, at)} ${put(s)} ${noise.slice(at, at + 500)}`;
        expect(redactText(line)).not.toContain(s);
        expect(redactLine(line, 10_000)).not.toContain(s);
      }),
      {
        numRuns: 60,
        // A counterexample a run found once (a header value cut 1024 characters in): always tried first.
        examples: [['Authorization: '.repeat(200), 'Qz9aaAA00aaA0AA', wraps[0]!, 1029]],
      },
    );
  });

  it('redacts 2 000 adversarial lines of 110 KB (each cut before matching)', () => {
    const line = 'pass_word_ '.repeat(10_000);
    let n = 0;
    for (let i = 0; i < 2_000; i++) n += redactLine(line).length;
    expect(n).toBe(2_000 * 200);
    // One 100 KB token with no delimiter is opaque: redacted whole.
    expect(redactLine('x'.repeat(100_000))).toBe(`${REDACTED} …`);
  });
});

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

  it('drops comments, nested block comments included, and collapses whitespace', () => {
    expect(redactSql("SELECT 1 -- token 'abc'\n  /* password=hunter2 */ FROM\tdual")).toBe(
      'SELECT ? FROM dual',
    );
    expect(redactSql('SELECT 1 /* outer /* inner */ still hidden hunter2 */ FROM t')).toBe('SELECT ? FROM t');
  });

  it('applies the general secret rules to what is left', () => {
    expect(redactSql("ALTER ROLE x PASSWORD 'p' -- x\n; SET app.api_key = abcdef")).not.toContain('abcdef');
  });

  it('redacts an unterminated literal (the text was truncated) and cuts to 200 characters', () => {
    expect(redactSql("INSERT INTO logs VALUES ('secret-that-was-cut")).toBe('INSERT INTO logs VALUES (?');
    const long = `SELECT ${'col, '.repeat(100)}x FROM t`;
    const out = redactSql(long);
    expect(out).toHaveLength(200);
    expect(out.endsWith('…')).toBe(true);
  });

  it('stays bounded on a huge statement with many dollar signs and digits', () => {
    const out = redactSql('$'.repeat(200_000) + '1'.repeat(200_000));
    expect(out.length).toBeLessThanOrEqual(200);
  });
});
