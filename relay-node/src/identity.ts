import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { IDENTITY_FILE } from './constants.ts'
import { unwritable } from './data-dir.ts'
import { IdentityError } from './errors.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * Loads the relay's Ed25519 identity from `<dataDir>/identity.key`, creating
 * it on first start. The same key (and so the same PeerID) is used after every
 * restart, which keeps the multiaddrs that browsers were given valid.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<{ privateKey: PrivateKey, created: boolean }> {
  const file = join(dataDir, IDENTITY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new IdentityError(`Cannot read the identity key ${file}: ${(err as Error).message}`)
    }
  }

  if (bytes != null) {
    try {
      return { privateKey: privateKeyFromProtobuf(bytes), created: false }
    } catch (err) {
      throw new IdentityError(`The identity key ${file} is corrupt (${(err as Error).message}); restore it from a backup or remove it to create a new identity`)
    }
  }

  const privateKey = await generateKeyPair('Ed25519')
  // write-then-rename so a crash never leaves a half-written key behind
  const tmp = `${file}.${process.pid}.tmp`
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    await writeFile(tmp, privateKeyToProtobuf(privateKey), { mode: 0o600, flag: 'wx' })
    await rename(tmp, file)
  } catch (err) {
    throw unwritable(dataDir, 'its identity key', err)
  }
  return { privateKey, created: true }
}
