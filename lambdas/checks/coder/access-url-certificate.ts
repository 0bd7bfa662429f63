import { defineCheck } from '../../audit/check.js';
import { AuditError } from '../../audit/errors.js';
import { need } from '../../audit/fact.js';
import { shq } from '../../audit/model.js';
import type { CoderSnapshot } from './collector.js';
import { accessUrl } from './lib.js';
import { CODER_META } from './meta.js';
import { quote } from '../../audit/untrusted.js';

const DAY_MS = 86_400_000;

/** Compliant when the certificate the access URL presents expires after thresholds.certificateWarnDays. */
export default defineCheck<CoderSnapshot>(
  CODER_META['access-url-certificate'],
  (snap, { deployment: d, now }) => {
    const probe = need(snap.healthz);
    const url = new URL(accessUrl(d));
    const resource = `${url.origin}/`;
    const port = url.port || '443';
    const text =
      'Renew the certificate the access URL serves (the NLB TLS listener, or the ingress/cert-manager ' +
      'certificate in front of coderd) and check what it presents now.';
    const remediation = {
      text,
      commands: [
        `echo | openssl s_client -connect ${shq(`${url.hostname}:${port}`)} -servername ${shq(url.hostname)} 2>/dev/null | openssl x509 -noout -subject -issuer -enddate`,
        `kubectl get certificates.cert-manager.io -n ${shq(d.namespaces.coderd)}`,
      ],
    };
    if (!probe.reachable) {
      // A handshake refused for an expired certificate is the finding; any other failure leaves it unknown.
      if (/CERT_HAS_EXPIRED|certificate has expired/i.test(probe.error)) {
        const detail = `${url.origin} presents an expired certificate: TLS clients refuse it (${probe.error}).`;
        return [
          {
            status: 'fail',
            reason: 'expired',
            resource,
            detail,
            evidence: { error: probe.error },
            remediation,
          },
        ];
      }
      throw new AuditError(`no TLS handshake with ${url.origin} (coder-healthz: ${probe.error})`);
    }
    const cert = probe.value.certificate;
    if (url.protocol !== 'https:') {
      return [
        {
          status: 'pass',
          resource,
          detail: `${url.origin} is not served over TLS: no certificate to expire.`,
        },
      ];
    }
    if (!cert) throw new AuditError(`${url.origin} answered over TLS but its certificate was not recorded`);
    const days = Math.floor((Date.parse(cert.validTo) - now.getTime()) / DAY_MS);
    const evidence = { validTo: cert.validTo, daysLeft: days, subject: cert.subject, issuer: cert.issuer };
    const { certificateWarnDays: warn, certificateFailDays: fail } = d.thresholds;
    const reason =
      days < 0 ? 'expired' : days <= fail ? 'expires-soon' : days <= warn ? 'expiring' : undefined;
    if (!reason) {
      const detail = `The certificate of ${url.origin} (${quote(cert.subject, 100)}, issued by ${quote(cert.issuer, 100)}) expires in ${days} days.`;
      return [{ status: 'pass', resource, detail, evidence }];
    }
    const when = days < 0 ? `expired ${-days} day(s) ago` : `expires in ${days} day(s)`;
    const detail = `The certificate of ${url.origin} (${quote(cert.subject, 100)}, issued by ${quote(cert.issuer, 100)}) ${when}, on ${cert.validTo}.`;
    return [{ status: 'fail', reason, resource, detail, evidence, remediation }];
  },
);
