/**
 * A contact's `sessions` (their app speaks sessions, issue 57 item 1) in the
 * backup's contents (docs/protocols.md, "Identity backup file", Contents): a
 * contact row carries it out and back, and only as `true`; `waitingKeys`
 * (this device's state of its outbox) stays behind. Checked at the rows'
 * level (db/backup-rows.ts), whatever envelope the file has.
 */
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { CONTACT_FIELDS, ContentsChecker, RowProblem, rowToJson } from '../../../src/lib/db/backup-rows.ts'
import type { ContactRow, ProfileRow } from '../../../src/lib/db/types.ts'

async function profile (): Promise<ProfileRow> {
  const key = await generateKeyPair('Ed25519')
  return { id: 1, peerId: peerIdFromPrivateKey(key).toString(), privateKey: privateKeyToProtobuf(key), username: 'Me', createdAt: 1 }
}

const bob: ContactRow = {
  id: 3, peerId: '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBobBobBo', username: 'Bob', addresses: [], status: 'offline', notes: '', blocked: false,
  state: 'accepted', verified: false, sessions: true, waitingKeys: true, addedAt: 10, updatedAt: 20
}

describe('backup: a contact that speaks sessions', () => {
  it('carries sessions: true out and back; waitingKeys stays on this device', async () => {
    const json = JSON.parse(JSON.stringify(rowToJson(bob, CONTACT_FIELDS))) as Record<string, unknown>
    expect(json.sessions).toBe(true)
    expect(json).not.toHaveProperty('waitingKeys')
    const read = new ContentsChecker(await profile()).contact(json, 0)
    expect(read.sessions).toBe(true)
    const { sessions: _, ...without } = json
    expect(new ContentsChecker(await profile()).contact(without, 0).sessions).toBeUndefined()
  })

  it('refuses sessions other than true, naming the row and the field', async () => {
    const json = { ...JSON.parse(JSON.stringify(rowToJson(bob, CONTACT_FIELDS))) as Record<string, unknown>, sessions: false }
    const checker = new ContentsChecker(await profile())
    expect(() => checker.contact(json, 0)).toThrow(RowProblem)
    expect(() => checker.contact(json, 0)).toThrow(/contact 1: "sessions" is true when present/)
  })
})
