/**
 * The relay's VAPID key (RFC 8292): a P-256 key pair in
 * `<data-dir>/push-vapid.json`, made on the first start like the identity
 * and kept for good. Browsers subscribe with its public key as
 * `applicationServerKey`: a new key would make every subscription to this
 * relay useless (the push service refuses pushes signed by another key).
 */
import { createECDH } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { unwritable } from '../data-dir.ts'
import { IdentityError } from '../errors.ts'
import { VAPID_FILE } from './constants.ts'

export interface VapidKeys {
  /** uncompressed P-256 point, 65 bytes */
  publicKey: Uint8Array
  /** 32 bytes */
  privateKey: Uint8Array
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

/** The public key of a P-256 private key, uncompressed. */
function publicOf (privateKey: Uint8Array): Uint8Array {
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(privateKey)
  return new Uint8Array(ecdh.getPublicKey())
}

export async function loadOrCreateVapid (dataDir: string): Promise<{ keys: VapidKeys, created: boolean }> {
  const file = join(dataDir, VAPID_FILE)
  let text: string | undefined
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new IdentityError(`Cannot read the VAPID key ${file}: ${(err as Error).message}`)
  }
  if (text !== undefined) {
    try {
      const stored = JSON.parse(text) as { publicKey?: unknown, privateKey?: unknown }
      if (typeof stored.privateKey !== 'string' || typeof stored.publicKey !== 'string') throw new Error('publicKey and privateKey must be base64url text')
      const privateKey = new Uint8Array(Buffer.from(stored.privateKey, 'base64url'))
      if (privateKey.byteLength !== 32) throw new Error('the private key is not 32 bytes')
      const publicKey = publicOf(privateKey)
      if (b64(publicKey) !== stored.publicKey) throw new Error('the public key is not the private key\'s')
      return { keys: { publicKey, privateKey }, created: false }
    } catch (err) {
      throw new IdentityError(`The VAPID key ${file} is corrupt (${(err as Error).message}); restore it from a backup, or remove it to make a new one (every browser then subscribes again)`)
    }
  }
  const ecdh = createECDH('prime256v1')
  ecdh.generateKeys()
  const keys = { publicKey: new Uint8Array(ecdh.getPublicKey()), privateKey: new Uint8Array(ecdh.getPrivateKey()) }
  // getPrivateKey drops leading zero bytes
  if (keys.privateKey.byteLength < 32) keys.privateKey = Uint8Array.from([...new Uint8Array(32 - keys.privateKey.byteLength), ...keys.privateKey])
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    await writeFile(tmp, `${JSON.stringify({ publicKey: b64(keys.publicKey), privateKey: b64(keys.privateKey) })}\n`, { mode: 0o600, flag: 'wx' })
    await rename(tmp, file)
  } catch (err) {
    throw unwritable(dataDir, 'its VAPID key', err)
  }
  return { keys, created: true }
}
