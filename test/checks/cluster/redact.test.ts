import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from '../../../lambdas/checks/cluster/redact.js';

describe('Function: redact', () => {
  it.each([
    ['postgres://coder:S3cr3t@db:5432/coder', 'S3cr3t'],
    ['Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', 'eyJhbGciOiJSUzI1NiJ9'],
    ['password=hunter2 host=db', 'hunter2'],
    ['{"client_secret":"abc123xyz"}', 'abc123xyz'],
    ['Coder-Session-Token: CANARYabcdef123456-cdrtok', 'CANARYabcdef123456'],
    ['key AKIAABCDEFGHIJKLMNOP', 'AKIAABCDEFGHIJKLMNOP'],
    ['aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end', 'wJalrXUtnFEMI'],
    ['api key 5bX3kZ1mQp-a1B2c3D4e5F6g7H8i9J0k1L', '5bX3kZ1mQp-a1B2'],
  ])('removes the secret from %s', (line, secret) => {
    const out = redact(line);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('keeps the runbook patterns and ordinary ids readable', () => {
    expect(redact('error: token expired for user alice')).toBe('error: token expired for user alice');
    expect(redact('{"error":"connection refused"}')).toBe('{"error":"connection refused"}');
    expect(redact('trace 123e4567-e89b-12d3-a456-426614174000')).toBe(
      'trace 123e4567-e89b-12d3-a456-426614174000',
    );
  });

  it('truncates to 200 characters by default', () => {
    const out = redact('x '.repeat(300));
    expect(out.length).toBe(200);
    expect(out.endsWith('…')).toBe(true);
  });
});
