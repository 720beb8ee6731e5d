/**
 * A backup is the account's key (docs/security.md): a linked device holds
 * only its own, so its file could not bring the account back, and since
 * issue 58's fan-out its outgoing rows name the account, which a restore of
 * such a file would refuse. So a linked device is refused with a code the tab
 * words, and the holder (or an identity from before accounts) makes one as before.
 */
import '../../../support/russian.ts'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readBackup } from '../../../../src/lib/db/backup.ts'
import { saveNewIdentity } from '../../../../src/lib/db/profile.ts'
import { Identity } from '../../../../src/lib/p2p/identity/identity.ts'
import { errorText } from '../../../../src/lib/i18n/error-text.ts'
import { setLocale } from '../../../../src/lib/i18n/index.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ProfileRow } from '../../../../src/lib/db/types.ts'

const PASSPHRASE = 'correct horse battery staple orbit lantern'
let db: ParleyDb
let profile: ProfileRow

beforeEach(async () => {
  db = await openTestDb()
  const key = await generateKeyPair('Ed25519')
  profile = { id: 1, peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), username: 'Me', createdAt: 1_764_424_800_000 }
  await saveNewIdentity(db, profile)
})
afterEach(() => { db.close(); setLocale('en') })

async function identityOn (devices: { account: string | undefined, holder: boolean }): Promise<Identity> {
  const identity = new Identity({ db, origin: 'https://parley.example', status: { current: { addresses: [] } } as never, devices })
  await identity.load()
  return identity
}

describe('a backup on a linked device', () => {
  it('is refused with backupLinkedDevice, in words in both languages', async () => {
    const account = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const identity = await identityOn({ account, holder: false })
    await expect(identity.export(PASSPHRASE, true)).rejects.toMatchObject({ name: 'BackupLinkedDeviceError', code: 'backupLinkedDevice' })
    expect(errorText('backupLinkedDevice')).toMatch(/linked device.*holds your account key/)
    setLocale('ru')
    expect(errorText('backupLinkedDevice')).toMatch(/связанное устройство.*ключ аккаунта/)
  })

  it('is made as before on the holder and on an identity the devices feature has not loaded yet', async () => {
    for (const devices of [{ account: profile.peerId, holder: true }, { account: undefined, holder: false }]) {
      const file = await (await identityOn(devices)).export(PASSPHRASE, false)
      expect((await readBackup(file, PASSPHRASE)).profile.peerId).toBe(profile.peerId)
    }
  })
})
