import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

const DAY = 86_400_000;

/** A freshly minted CA and a server certificate it signed, in PEM. */
export interface MintedChain {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * Mint a throw-away CA and a certificate for `127.0.0.1`/`localhost` that it signs, valid from a day before
 * `now` until `expiresInDays` after it (negative: already expired). The twins use it to serve a certificate
 * whose expiry a scenario chooses; clients verify it against `caPem` like any other CA.
 */
export function mintChain(now: Date, expiresInDays: number): MintedChain {
  const pair = () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privateKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
      publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    };
  };
  const ca = pair();
  const leaf = pair();
  const make = (
    keys: ReturnType<typeof pair>,
    cn: string,
    notAfter: Date,
    extensions: object[],
  ): forge.pki.Certificate => {
    const c = forge.pki.createCertificate();
    c.publicKey = keys.publicKey;
    c.serialNumber = `0${Math.floor(Math.random() * 1e15).toString(16)}`;
    c.validity.notBefore = new Date(now.getTime() - DAY);
    c.validity.notAfter = notAfter;
    c.setSubject([{ name: 'commonName', value: cn }]);
    c.setExtensions(extensions);
    return c;
  };
  const caCert = make(ca, 'coder-auditor simulated access URL CA', new Date(now.getTime() + 3650 * DAY), [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.setIssuer(caCert.subject.attributes);
  caCert.sign(ca.privateKey, forge.md.sha256.create());
  const cert = make(leaf, 'localhost', new Date(now.getTime() + expiresInDays * DAY), [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  cert.sign(ca.privateKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(leaf.privateKey),
  };
}
