/**
 * A throwaway certificate authority for tests over HTTPS and WSS (issue 61):
 * a CA made for one run, and a certificate it issues for 127.0.0.1, which the
 * test's static server and relay-node (`--wss-port`, `--tls-cert`,
 * `--tls-key`) present. Browsers trust it through a flag, never through the
 * machine's store: Chromium's `--ignore-certificate-errors-spki-list` with
 * the CA's key (`chromiumTrustArgs`), which makes the chain valid (a secure
 * context, service workers and WSS as with a public CA).
 */
import 'reflect-metadata' // @peculiar/x509 needs it before it loads
import { KeyObject, createHash, webcrypto } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  AuthorityKeyIdentifierExtension, BasicConstraintsExtension, ExtendedKeyUsageExtension, KeyUsageFlags, KeyUsagesExtension,
  SubjectAlternativeNameExtension, SubjectKeyIdentifierExtension, X509CertificateGenerator
} from '@peculiar/x509'

type Crypto = Parameters<typeof X509CertificateGenerator.createSelfSigned>[1]
const crypto = webcrypto as unknown as Crypto
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const
const DAY_MS = 24 * 3600_000

export interface TestCa {
  /** the CA's certificate, PEM, also written to `caFile` (for Node: NODE_EXTRA_CA_CERTS) */
  caCert: string
  caFile: string
  /** base64 SHA-256 of the CA's SubjectPublicKeyInfo, as Chromium's flag takes it */
  caSpki: string
  /** the certificate issued for 127.0.0.1 and its key, PEM, also written to `certFile` and `keyFile` */
  cert: string
  key: string
  certFile: string
  keyFile: string
}

function serial (): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex').replace(/^./, '1')
}

/** Makes a CA and a certificate for 127.0.0.1 signed by it, written into `dir` as `ca.crt`, `tls.crt` and `tls.key`. */
export async function makeTestCa (dir: string): Promise<TestCa> {
  const now = Date.now()
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const ca = await X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=Parley test CA (throwaway)',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + DAY_MS),
    signingAlgorithm: SIGNING,
    keys: caKeys,
    extensions: [
      new BasicConstraintsExtension(true, 0, true),
      new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      await SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto)
    ]
  }, crypto)

  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
  const leaf = await X509CertificateGenerator.create({
    serialNumber: serial(),
    issuer: ca.subject,
    subject: 'CN=127.0.0.1',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      new ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1']),
      new SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
      await AuthorityKeyIdentifierExtension.create(ca, false, crypto)
    ]
  }, crypto)

  const cert = leaf.toString('pem') + '\n' + ca.toString('pem') + '\n'
  const key = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString()
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', caKeys.publicKey))
  const caFile = join(dir, 'ca.crt')
  await writeFile(caFile, ca.toString('pem') + '\n')
  const certFile = join(dir, 'tls.crt')
  const keyFile = join(dir, 'tls.key')
  await writeFile(certFile, cert)
  await writeFile(keyFile, key, { mode: 0o600 })
  return { caCert: ca.toString('pem'), caFile, caSpki: createHash('sha256').update(spki).digest('base64'), cert, key, certFile, keyFile }
}

/** Chromium's arguments that make it trust `ca` (its profile is Playwright's own, a fresh one each launch). */
export function chromiumTrustArgs (ca: TestCa): string[] {
  return [`--ignore-certificate-errors-spki-list=${ca.caSpki}`]
}
