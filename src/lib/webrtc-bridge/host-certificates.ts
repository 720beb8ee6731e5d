/**
 * Certificates a host generated for the worker (`RTCPeerConnection.generateCertificate`).
 * The key material stays in the tab; the worker holds `c<n>` handles. Bounded:
 * the oldest is evicted past {@link MAX_CERTIFICATES}.
 */

import { MAX_CERTIFICATES } from './constants.ts'
import { InvalidStateError } from './errors.ts'
import type { CertKey, CertificateWire, KeygenAlgorithmWire } from './protocol.ts'
import type { HostCertificate, HostPeerConnectionClass } from './host-types.ts'

/** The host's bounded map of generated certificates. */
export class HostCertificateStore {
  readonly #certs = new Map<CertKey, HostCertificate>()
  #next = 1

  /** Generates a certificate with `Ctor.generateCertificate` and returns its handle. */
  async generate (Ctor: HostPeerConnectionClass | undefined, algorithm: KeygenAlgorithmWire): Promise<CertificateWire> {
    const generate = Ctor?.generateCertificate
    if (generate === undefined) throw new InvalidStateError('This tab cannot generate certificates')
    const cert = await generate.call(Ctor, algorithm as AlgorithmIdentifier)
    if (this.#certs.size >= MAX_CERTIFICATES) {
      const oldest = this.#certs.keys().next().value
      if (oldest !== undefined) this.#certs.delete(oldest)
    }
    const certId = `c${this.#next++}` as CertKey
    this.#certs.set(certId, cert)
    const fingerprints = cert.getFingerprints()
      .slice(0, 8)
      .map(f => ({ algorithm: String(f.algorithm ?? ''), value: String(f.value ?? '') }))
    return { certId, expires: cert.expires, fingerprints }
  }

  /** The real certificates for `keys`, or an `InvalidStateError` for an unknown (or evicted) one. */
  resolve (keys: CertKey[]): RTCCertificate[] {
    return keys.map(key => {
      const cert = this.#certs.get(key)
      if (cert === undefined) throw new InvalidStateError(`Unknown certificate ${key}`)
      return cert as RTCCertificate
    })
  }

  /** Forgets every certificate. */
  clear (): void {
    this.#certs.clear()
  }
}
