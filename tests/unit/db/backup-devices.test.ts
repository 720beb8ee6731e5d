/**
 * A contact's device list in the backup's contents (docs/protocols.md,
 * "Identity backup file", Contents; "A contact's device list"): it goes out
 * as received and comes back only when it opens as that contact's list; its
 * version and PeerIDs are derived again on restore, and which of our lists
 * the contact took (`devicesSent`) stays on this device.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { signDeviceList } from '@parley/protocol/devices/list'
import { restoreBackup } from '../../../src/lib/db/backup.ts'
import { CONTACT_FIELDS, ContentsChecker, RowProblem, rowToJson } from '../../../src/lib/db/backup-rows.ts'
import { contactDeviceFields, getContactOfPeer } from '../../../src/lib/db/contact-devices.ts'
import { fieldsOf, makeAccounts, signBody, bodyOf } from '../../../packages/protocol/test/devices/helpers.ts'
import { openTestDb } from './helpers.ts'
import type { Account } from '../../../packages/protocol/test/devices/helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ContactRow, ProfileRow } from '../../../src/lib/db/types.ts'

const [alice, phone, mallory] = makeAccounts(3) as [Account, Account, Account]
const list = signDeviceList(alice.secret, fieldsOf(alice, [phone]))
const aliceRow: ContactRow = {
  id: 3, peerId: alice.peer, username: 'Alice', addresses: [], status: 'offline', notes: '', blocked: false,
  state: 'accepted', verified: false, ...contactDeviceFields(list), devicesSent: 9, addedAt: 10, updatedAt: 20
}

async function profile (): Promise<ProfileRow> {
  const key = await generateKeyPair('Ed25519')
  return { id: 1, peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), username: 'Me', createdAt: 1 }
}

const json = (): Record<string, unknown> => JSON.parse(JSON.stringify(rowToJson(aliceRow, CONTACT_FIELDS))) as Record<string, unknown>

let db: ParleyDb | undefined
afterEach(() => { db?.close() })

describe('backup: a contact\'s device list', () => {
  it('goes out as received, without what is derived from it or this device\'s mark, and comes back whole on restore', async () => {
    const out = json()
    expect(out.devices).toEqual(list.signed)
    expect(out).not.toHaveProperty('devicesVersion')
    expect(out).not.toHaveProperty('devicePeers')
    expect(out).not.toHaveProperty('devicesSent')
    const me = await profile()
    const read = new ContentsChecker(me).contact(out, 0)
    expect(read.devices).toEqual(list.signed)

    db = await openTestDb()
    await restoreBackup(db, { exportedAt: 1, profile: me, contacts: [read], relays: [], includesHistory: false, messages: [] })
    const { devicesSent: _, ...restored } = aliceRow
    expect(await db.contacts.get(3)).toEqual(restored)
    expect((await getContactOfPeer(db, phone.peer))?.id).toBe(3)
  })

  it('refuses a list that is not the contact\'s (another account\'s, forged, malformed), naming the row', async () => {
    const checker = (): ContentsChecker => new ContentsChecker({ id: 1, peerId: mallory.peer, privateKey: new Uint8Array(), username: 'x', createdAt: 1 })
    const others = signDeviceList(mallory.secret, fieldsOf(mallory, [phone])).signed
    const forged = signBody(bodyOf(fieldsOf(alice, [phone], list.version + 1)), mallory)
    for (const devices of [others, forged, { body: list.signed.body }, 'x']) {
      expect(() => checker().contact({ ...json(), devices }, 0)).toThrow(RowProblem)
      expect(() => checker().contact({ ...json(), devices }, 0)).toThrow(/contact 1: "devices" is not a device list of the contact's/)
    }
  })
})
