import 'reflect-metadata' // @peculiar/x509 (tsyringe) needs the Reflect metadata API before it loads
import { createHash, createPrivateKey, KeyObject, randomBytes, webcrypto, X509Certificate } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BasicConstraintsExtension, X509CertificateGenerator } from '@peculiar/x509'
import { WEBRTC_DIRECT_CERT_FILE, WEBRTC_DIRECT_CERT_LIFESPAN_MS } from './constants.ts'
import { unwritable } from './data-dir.ts'
import { CertificateError } from './errors.ts'

/** What `webRTCDirect({ certificate })` takes (@libp2p/webrtc's TransportCertificate). */
export interface WebRTCDirectCertificate {
  /** PKCS#8 PEM */
  privateKey: string
  /** X.509 PEM */
  pem: string
  /** multibase base64url of the sha2-256 multihash of the DER certificate, as in `/certhash/<certhash>` */
  certhash: string
}

export interface LoadedCertificate {
  certificate: WebRTCDirectCertificate
  /** true when this start created the certificate (new certhash) */
  created: boolean
  /** why a new one was created although a file existed (expired), for the log */
  replaced?: string
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----/g

/** `u` + base64url(0x12 0x20 ‖ sha256(der)): the multibase/multihash form libp2p puts in `/certhash/`. */
export function certhashOf (der: Uint8Array): string {
  const digest = createHash('sha256').update(der).digest()
  return 'u' + Buffer.concat([Buffer.from([0x12, 0x20]), digest]).toString('base64url')
}

/**
 * Loads the WebRTC-Direct certificate from `<dataDir>/webrtc-direct.pem`
 * (private key and certificate, PEM, mode 0600), creating it on first start.
 * Keeping it keeps the `/certhash/…` part of the relay's webrtc-direct
 * multiaddr, and so the relay list browsers were given, valid across restarts.
 * A file that cannot be used stops start-up; it is never silently replaced.
 * An expired certificate is replaced (a new certhash) and reported.
 */
export async function loadOrCreateCertificate (dataDir: string, now = Date.now()): Promise<LoadedCertificate> {
  const file = join(dataDir, WEBRTC_DIRECT_CERT_FILE)
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new CertificateError(`Cannot read the WebRTC-Direct certificate ${file}: ${(err as Error).message}`)
    }
  }

  let replaced: string | undefined
  if (text != null) {
    const loaded = parseCertificateFile(text, file)
    if (Date.parse(loaded.x509.validTo) > now) return { certificate: loaded.certificate, created: false }
    replaced = `the certificate in ${file} expired on ${loaded.x509.validTo}`
  }

  const certificate = await createCertificate(now)
  // write-then-rename so a crash never leaves a half-written file behind
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    await writeFile(tmp, `${certificate.privateKey}\n${certificate.pem}\n`, { mode: 0o600, flag: 'wx' })
    await rename(tmp, file)
  } catch (err) {
    throw unwritable(dataDir, 'its WebRTC-Direct certificate', err)
  }
  return replaced == null ? { certificate, created: true } : { certificate, created: true, replaced }
}

function parseCertificateFile (text: string, file: string): { certificate: WebRTCDirectCertificate, x509: X509Certificate } {
  const corrupt = (why: string): CertificateError => new CertificateError(
    `The WebRTC-Direct certificate ${file} is corrupt (${why}); restore it from a backup, or remove it to create a new one ` +
    '(the /certhash/ in the relay\'s webrtc-direct address then changes)'
  )
  const blocks = [...text.matchAll(PEM_BLOCK)]
  const keyPem = blocks.find(b => b[1] === 'PRIVATE KEY')?.[0]
  const certPem = blocks.find(b => b[1] === 'CERTIFICATE')?.[0]
  if (keyPem == null || certPem == null) throw corrupt('it needs one PRIVATE KEY and one CERTIFICATE block')
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(certPem)
    const key = createPrivateKey(keyPem)
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('the key is not an ECDSA P-256 key')
    }
    if (!x509.checkPrivateKey(key)) throw new Error('the key does not belong to the certificate')
  } catch (err) {
    throw corrupt((err as Error).message)
  }
  return { certificate: { privateKey: keyPem, pem: certPem, certhash: certhashOf(x509.raw) }, x509 }
}

/** A self-signed ECDSA P-256 certificate, which Chromium, Firefox, Pion and webrtc-rs all accept for DTLS. */
async function createCertificate (now: number): Promise<WebRTCDirectCertificate> {
  const subtle = webcrypto.subtle
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])
  // x509 times have second precision; whole seconds keep notBefore/notAfter exact
  const notBefore = new Date(Math.floor(now / 1000) * 1000)
  const notAfter = new Date(notBefore.getTime() + WEBRTC_DIRECT_CERT_LIFESPAN_MS)
  const serial = randomBytes(16)
  serial[0] = (serial[0] ?? 0) & 0x7f // a positive serial number
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: 'CN=parley-relay',
    notBefore,
    notAfter,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [new BasicConstraintsExtension(false, undefined, true)]
  }, webcrypto as unknown as Parameters<typeof X509CertificateGenerator.createSelfSigned>[1])
  const privateKey = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString().trim()
  const pem = cert.toString('pem')
  return { privateKey, pem, certhash: certhashOf(new Uint8Array(cert.rawData)) }
}
