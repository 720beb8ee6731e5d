/**
 * The account's part of an identity backup (db/backup-account.ts; issue 58):
 * the file carries this device's name and the device list's version, a
 * restore makes the identity its account's first device again with both,
 * so the list it signs next is newer than any before; files made before
 * linked devices (no `account`) still open and restore as a new account's.
 * Bad values are refused with the field named, and nothing is restored.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getAccount } from '../../../src/lib/db/account.ts'
import { CorruptBackupError, exportBackup, readBackup, restoreBackup } from '../../../src/lib/db/backup.ts'
import { PROFILE_FIELDS, readContents, rowToJson } from '../../../src/lib/db/backup-rows.ts'
import { saveNewIdentity, saveProfile } from '../../../src/lib/db/profile.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { openTestDb } from './helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ProfileRow } from '../../../src/lib/db/types.ts'

const PASSPHRASE = 'correct horse battery'
const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }

let source: ParleyDb
let target: ParleyDb
let profile: ProfileRow

beforeEach(async () => {
  const key = await generateKeyPair('Ed25519')
  profile = { id: 1, peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), username: 'Me', createdAt: 100 }
  source = await openTestDb()
  target = await openTestDb()
})
afterEach(() => {
  source.close()
  target.close()
})

const fileOf = async (db: ParleyDb): Promise<Uint8Array> => exportBackup(db, PASSPHRASE, { includeHistory: false, cost: FAST, now: 5_000 })

/** A backup's plaintext with the given `account` part, as readContents checks it. */
const plaintext = (account: unknown): Record<string, unknown> =>
  ({ v: 1, exportedAt: 5_000, profile: JSON.parse(JSON.stringify(rowToJson(profile, PROFILE_FIELDS))) as unknown, account, contacts: [], relays: [] })

describe('the account in a backup', () => {
  it('carries this device\'s name and the list\'s version; a restore is the account\'s first device with both', async () => {
    await saveNewIdentity(source, profile)
    await source.account.update(1, { deviceName: 'Laptop', version: 1_764_424_800_000 })
    const contents = await readBackup(await fileOf(source), PASSPHRASE)
    expect(contents.account).toEqual({ deviceName: 'Laptop', listVersion: 1_764_424_800_000 })

    await restoreBackup(target, contents)
    expect(await getAccount(target)).toEqual({ id: 1, account: profile.peerId, holder: true, deviceName: 'Laptop', version: 1_764_424_800_000 })
    // the signed list itself is not carried: the restored node signs a newer one at start (p2p/devices)
    expect(await getAccount(target)).not.toHaveProperty('list')
  })

  it('a file made before linked devices (no "account") opens and restores as a new account\'s first device', async () => {
    // the source as an older app left it: a profile and no account row
    await saveProfile(source, profile)
    const contents = await readBackup(await fileOf(source), PASSPHRASE)
    expect(contents).not.toHaveProperty('account')
    await restoreBackup(target, contents)
    expect(await getAccount(target)).toEqual({ id: 1, account: profile.peerId, holder: true, deviceName: '', version: 0 })
  })

  it.each<[string, unknown, string]>([
    ['a name with a control character', { deviceName: 'a\tb', listVersion: 1 }, 'the account: "deviceName": a device name has no control characters'],
    ['an untrimmed name', { deviceName: ' Laptop', listVersion: 1 }, 'the account: "deviceName": a device name is trimmed'],
    ['a name over 64 characters', { deviceName: 'x'.repeat(65), listVersion: 1 }, 'the account: "deviceName" has 65 characters, not 0 to 64'],
    ['a negative version', { deviceName: '', listVersion: -1 }, 'the account: "listVersion" is not a whole number'],
    ['a version past 2^53', { deviceName: '', listVersion: 2 ** 53 }, 'the account: "listVersion" is not a whole number'],
    ['an unknown field', { deviceName: '', listVersion: 0, list: 'x' }, 'the account: it has an unknown field "list"'],
    ['null', null, 'the account: it is not an object']
  ])('refuses %s, naming it', (_what, account, message) => {
    const err: unknown = (() => { try { return readContents(plaintext(account)) } catch (e) { return e } })()
    expect(err).toBeInstanceOf(CorruptBackupError)
    expect(textOfError(err)).toContain(message)
  })

  it('takes the edges: an empty name, 64 characters, versions 0 and 2^53 − 1', () => {
    expect(readContents(plaintext({ deviceName: '', listVersion: 0 })).account).toEqual({ deviceName: '', listVersion: 0 })
    const long = 'Ноутбук'.repeat(9).slice(0, 64)
    expect(readContents(plaintext({ deviceName: long, listVersion: Number.MAX_SAFE_INTEGER })).account).toEqual({ deviceName: long, listVersion: Number.MAX_SAFE_INTEGER })
  })
})
