import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { getContact } from '../../../../src/lib/db/contacts.ts'
import { ContactBook } from '../../../../src/lib/p2p/contacts/book.ts'
import { Contacts } from '../../../../src/lib/p2p/contacts/contacts.ts'
import { encodeShortInvite } from '../../../../src/lib/p2p/identity/invite.ts'
import { addContact, openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, MessageId, ProfileRow } from '../../../../src/lib/db/types.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'

/**
 * Blocking and deleting a contact (contacts/contacts.ts): the row is written
 * first, then the features above are told (`contact:blocked`,
 * `contact:deleted`) and the call resolves once what they do about it is done.
 */
let db: ParleyDb
let events: TypedEventEmitter<ParleyEvents>
let contacts: Contacts
let book: ContactBook
let forgotten: MessageId[][]
/** our profile; undefined: the user has not chosen a name yet */
let profile: ProfileRow | undefined

beforeEach(async () => {
  profile = { id: 1, peerId: '12D3KooWMe', privateKey: new Uint8Array(), username: 'Me', createdAt: 0 }
  db = await openTestDb()
  events = new TypedEventEmitter<ParleyEvents>()
  book = new ContactBook({ db })
  forgotten = []
  contacts = new Contacts({
    db,
    events,
    contactBook: book,
    identity: {
      get profile () { return profile },
      require: () => {
        if (profile === undefined) throw new Error('noProfile')
        return profile
      }
    },
    devices: { account: undefined },
    greeter: { introduce: async () => {}, greet: () => {} },
    transfers: { forget: async (ids) => { forgotten.push(ids) } }
  })
})
afterEach(() => { db.close() })

interface Heard {
  detail: { contactId: ContactId, peerId: string, blocked: boolean }
  /** the row when the news was told */
  row: { blocked: boolean } | undefined
}

/** Records each news of `type` with what the row said when it was told, and holds the teller until `done` resolves. */
function listen (type: 'contact:blocked' | 'contact:deleted', done: Promise<void> = Promise.resolve()): Heard[] {
  const heard: Heard[] = []
  events.addEventListener(type, ({ detail }) => {
    const { waitUntil, ...rest } = detail
    waitUntil(getContact(db, rest.contactId).then(async (row) => {
      heard.push({ detail: rest, row: row === undefined ? undefined : { blocked: row.blocked } })
      await done
    }))
  })
  return heard
}

describe('Contacts: the news of a contact blocked or deleted', () => {
  it('blocks: the row first, then `contact:blocked`, waited for', async () => {
    const id = await addContact(db, 'alice')
    let release = (): void => {}
    const heard = listen('contact:blocked', new Promise<void>((resolve) => { release = resolve }))
    let resolved = false
    const blocking = contacts.setBlocked(id, true).then(() => { resolved = true })
    await expect.poll(() => heard.length).toBe(1)
    expect(heard[0]).toEqual({ detail: { contactId: id, peerId: '12D3KooWalice', blocked: true }, row: { blocked: true } })
    expect(book.isBlocked({ toString: () => '12D3KooWalice' } as never)).toBe(true)
    expect(resolved).toBe(false)
    release()
    await blocking
    await contacts.setBlocked(id, false)
    expect(heard[1]?.detail.blocked).toBe(false)
  })

  it('deletes: its chat\'s files forgotten first (with the history), the row gone, then `contact:deleted` saying whether it was blocked', async () => {
    const id: ContactId = await addContact(db, 'bob')
    await contacts.setBlocked(id, true)
    const heard = listen('contact:deleted')
    await contacts.delete(id, true)
    expect(forgotten).toEqual([[]])
    expect(heard).toEqual([{ detail: { contactId: id, peerId: '12D3KooWbob', blocked: true }, row: undefined }])
  })
})

describe('Contacts: who an invite names', () => {
  it('before the user chose a name too: the welcome screen names who invited them (issue 56, item 9)', async () => {
    profile = undefined
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const preview = await contacts.preview(encodeShortInvite(peerId, 'Alice', 'https://parley.example'))
    expect(preview).toEqual({ peerId, name: 'Alice', addresses: 0 })
  })
})
