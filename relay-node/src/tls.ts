import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { CertificateError } from './errors.ts'

/** Largest certificate chain or key file read, in bytes. */
const MAX_PEM_BYTES = 256 * 1024

export interface TlsFiles {
  cert: string
  key: string
  /** the leaf certificate's subject, SHA-256 fingerprint and expiry, for the log */
  subject: string
  fingerprint256: string
  validTo: string
}

async function readPem (path: string, what: string): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new CertificateError(`cannot read the TLS ${what} ${path}: ${(err as Error).message}`)
  }
  if (text.length > MAX_PEM_BYTES) throw new CertificateError(`the TLS ${what} ${path} is over ${MAX_PEM_BYTES} bytes`)
  return text
}

/**
 * Reads and checks the WSS certificate chain and key: both PEM, the key
 * belongs to the (first) certificate, and the certificate has not expired.
 * Throws CertificateError saying which file is wrong and how.
 */
export async function loadTlsFiles (certPath: string, keyPath: string, now = new Date()): Promise<TlsFiles> {
  const cert = await readPem(certPath, 'certificate')
  const key = await readPem(keyPath, 'key')
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch (err) {
    throw new CertificateError(`the TLS certificate ${certPath} is not a PEM certificate: ${(err as Error).message}`)
  }
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(key)
  } catch (err) {
    throw new CertificateError(`the TLS key ${keyPath} is not a PEM private key: ${(err as Error).message}`)
  }
  if (!x509.checkPrivateKey(privateKey)) throw new CertificateError(`the TLS key ${keyPath} does not belong to the certificate ${certPath}`)
  if (new Date(x509.validTo) <= now) throw new CertificateError(`the TLS certificate ${certPath} expired on ${x509.validTo}`)
  return { cert, key, subject: x509.subject.replaceAll('\n', ', '), fingerprint256: x509.fingerprint256, validTo: x509.validTo }
}
