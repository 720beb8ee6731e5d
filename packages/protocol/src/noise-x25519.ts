/**
 * A faster X25519 for @libp2p/noise in relay-node. Noise's Node crypto
 * imports both keys of every DH from DER (PKCS #8 and SPKI), and OpenSSL 3's
 * DER decoders are slow: about 470 µs a DH here, against 80 µs with the
 * public key from a JWK and the private key already a KeyObject. Every
 * connection's handshake does three DHs on each side: in a CPU profile of the
 * 32-member group test (whose members are the app's nodes in Node) they were
 * 5 % of the members' busy time. The app's node factory does not install it:
 * in a browser it would change nothing and weigh on the worker's bundle.
 *
 * With this, a key pair noise makes keeps its KeyObject (by the identity of
 * its private key's bytes, which noise hands back for each DH); a key from a
 * seed (a static key) is imported once and kept the same way; the peer's
 * public key comes in as a JWK. The result is the same X25519 (RFC 7748) from
 * the same OpenSSL: a key OpenSSL refuses (an all-zero result) throws as it
 * did. Elsewhere (a browser: no `process.getBuiltinModule`) the crypto given
 * is returned as it is.
 */
import { X25519_PKCS8_PREFIX } from './session/web-x25519.ts'
import type { Uint8ArrayList } from 'uint8arraylist'

type Bytes = Uint8Array | Uint8ArrayList

interface KeyPair { publicKey: Uint8Array, privateKey: Uint8Array }

/** The part of @libp2p/noise's `ICryptoInterface` this replaces (structurally: this package does not depend on noise). */
export interface X25519Crypto {
  generateX25519KeyPair(): KeyPair
  generateX25519KeyPairFromSeed(seed: Uint8Array): KeyPair
  generateX25519SharedKey(privateKey: Bytes, publicKey: Bytes): Uint8Array
}

type NodeCrypto = typeof import('node:crypto')

function nodeCrypto (): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const crypto = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
  return typeof crypto?.diffieHellman === 'function' ? crypto : undefined
}

function flat (bytes: Bytes): Uint8Array {
  return bytes instanceof Uint8Array ? bytes : bytes.subarray()
}

/** `base` with its X25519 done by Node's crypto without DER; `base` itself where there is no Node crypto (or `crypto` is null). */
export function withNativeX25519<T extends X25519Crypto> (base: T, crypto: NodeCrypto | null | undefined = nodeCrypto()): T {
  if (crypto == null) return base
  const { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } = crypto
  type KeyObject = ReturnType<typeof createPrivateKey>
  /** the KeyObject of each private key noise holds, by the bytes' identity: dropped with them */
  const keyObjects = new WeakMap<Uint8Array, KeyObject>()

  const privateKeyObject = (privateKey: Bytes): KeyObject => {
    const known = privateKey instanceof Uint8Array ? keyObjects.get(privateKey) : undefined
    if (known !== undefined) return known
    const secret = flat(privateKey)
    const der = new Uint8Array(X25519_PKCS8_PREFIX.byteLength + secret.byteLength)
    der.set(X25519_PKCS8_PREFIX)
    der.set(secret, X25519_PKCS8_PREFIX.byteLength)
    try {
      const key = createPrivateKey({ key: Buffer.from(der.buffer), type: 'pkcs8', format: 'der' })
      if (privateKey instanceof Uint8Array) keyObjects.set(privateKey, key)
      return key
    } finally {
      der.fill(0)
    }
  }

  const fromKeyObject = (privateKey: KeyObject): KeyPair => {
    const jwk = privateKey.export({ format: 'jwk' })
    const pair = {
      publicKey: new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url')),
      privateKey: new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url'))
    }
    keyObjects.set(pair.privateKey, privateKey)
    return pair
  }

  return {
    ...base,
    generateX25519KeyPair: () => fromKeyObject(generateKeyPairSync('x25519').privateKey),
    generateX25519KeyPairFromSeed: (seed: Uint8Array) => fromKeyObject(privateKeyObject(seed)),
    generateX25519SharedKey: (privateKey: Bytes, publicKey: Bytes) => {
      const x = Buffer.from(flat(publicKey)).toString('base64url')
      return new Uint8Array(diffieHellman({
        privateKey: privateKeyObject(privateKey),
        publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' })
      }))
    }
  }
}
