import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UNKNOWN_CAPABILITIES } from '../../../../src/lib/contract/index.ts'
import { deleteContact, getContactByPeerId, receiveHello, setBlocked } from '../../../../src/lib/db/contacts.ts'
import { ContactBook } from '../../../../src/lib/p2p/contacts/book.ts'
import { Contacts } from '../../../../src/lib/p2p/contacts/contacts.ts'
import { Identity } from '../../../../src/lib/p2p/identity/identity.ts'
import { encodeInvite, encodeShortInvite, INVITE_LINK_PATH, parseInvite } from '../../../../src/lib/p2p/identity/invite.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'

/**
 * Issue 57, item 1: an invite that says its maker's app speaks sessions (a
 * short link with its check, which only apps with sessions make; a full
 * invite with `"s": true`) marks the contact added from it at once, before
 * any hello of theirs, so that nothing goes to them outside a session box
 * (docs/protocols.md, "Invites"). Anything else marks nothing, and a mark is
 * never taken away.
 */
const ORIGIN = 'https://parley.example'
let db: ParleyDb
let contacts: Contacts
let them: string
let relay: string

beforeEach(async () => {
  db = await openTestDb()
  them = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const profile = { id: 1 as const, peerId: '12D3KooWMe', privateKey: new Uint8Array(), username: 'Me', createdAt: 0 }
  contacts = new Contacts({
    db,
    events: new TypedEventEmitter<ParleyEvents>(),
    contactBook: new ContactBook({ db }),
    identity: { profile, require: () => profile },
    devices: { account: undefined },
    greeter: { introduce: async () => {}, greet: () => {} },
    transfers: { forget: async () => {} }
  })
})
afterEach(() => { db.close() })

const circuit = (): string => `/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}/p2p-circuit/p2p/${them}`
/** Their short link without its check, as an app from before the check made it. */
const withoutCheck = (link: string): string => link.slice(0, link.lastIndexOf('.'))
const marked = async (): Promise<true | undefined> => (await getContactByPeerId(db, them))?.sessions

describe('adding a contact from an invite: does it say they speak sessions?', () => {
  it('a checked short link (or its QR) marks the new contact', async () => {
    await contacts.add(encodeShortInvite(them, 'Alice', ORIGIN))
    expect(await getContactByPeerId(db, them)).toMatchObject({ state: 'requested', sessions: true, unchecked: false })
  })

  it('a short link from before the check, a bare PeerID and `peerid@multiaddr` mark nothing', async () => {
    for (const text of [withoutCheck(encodeShortInvite(them, 'Alice', ORIGIN)), them, `${them}@${circuit()}`]) {
      expect(parseInvite(text).sessions).toBeUndefined()
      await contacts.add(text)
      expect(await marked()).toBeUndefined()
    }
  })

  it('a full invite marks the contact with "s": true, and not without it', async () => {
    await contacts.add(encodeInvite({ peerId: them, name: 'Alice', addresses: [circuit()] }, ORIGIN))
    expect(await marked()).toBeUndefined()
    await contacts.add(encodeInvite({ peerId: them, name: 'Alice', addresses: [circuit()], sessions: true }, ORIGIN))
    expect(await marked()).toBe(true)
  })

  it('adding again a contact deleted with its history keeps nothing, so the link marks it afresh', async () => {
    await contacts.add(encodeShortInvite(them, 'Alice', ORIGIN))
    const id = (await getContactByPeerId(db, them))?.id ?? -1
    await deleteContact(db, id, true)
    expect(await getContactByPeerId(db, them)).toBeUndefined()
    await contacts.add(encodeShortInvite(them, 'Alice', ORIGIN))
    expect(await marked()).toBe(true)
  })

  it('an existing contact (pending, deleted) is marked by a checked link and keeps the mark when later added from one that says nothing', async () => {
    await receiveHello(db, { peerId: them, type: 'request', name: 'Alice', addresses: [] })
    expect(await marked()).toBeUndefined()
    await contacts.add(encodeShortInvite(them, 'Alice', ORIGIN))
    expect(await getContactByPeerId(db, them)).toMatchObject({ state: 'accepted', sessions: true })
    await deleteContact(db, (await getContactByPeerId(db, them))?.id ?? -1, false)
    await contacts.add(them)
    expect(await getContactByPeerId(db, them)).toMatchObject({ state: 'requested', sessions: true })
  })

  it('a blocked contact is refused and left as it was: no mark either', async () => {
    await contacts.add(them)
    await setBlocked(db, (await getContactByPeerId(db, them))?.id ?? -1, true)
    await expect(contacts.add(encodeShortInvite(them, 'Alice', ORIGIN))).rejects.toMatchObject({ name: 'UnusableInviteError' })
    expect(await marked()).toBeUndefined()
  })
})

describe('our own invites', () => {
  it('the full invite says "s": true; the short link carries its check', async () => {
    const addresses = [`/ip4/127.0.0.1/tcp/9090/ws/p2p/${relay}/p2p-circuit`]
    const identity = new Identity({
      db,
      origin: ORIGIN,
      status: { current: { phase: 'online', addresses, relays: [], paths: {}, capabilities: UNKNOWN_CAPABILITIES, direct: {} } },
      devices: { account: undefined, holder: false }
    })
    await identity.create('Alice')
    const peerId = identity.require().peerId
    const { link, invite } = identity.invite()
    expect(parseInvite(link)).toEqual({ peerId, name: 'Alice', addresses: [], checked: true, sessions: true })
    if (invite === undefined) throw new Error('no full invite')
    const json = JSON.parse(Buffer.from(invite.slice(invite.indexOf(INVITE_LINK_PATH) + INVITE_LINK_PATH.length), 'base64url').toString('utf8')) as Record<string, unknown>
    expect(json).toEqual({ v: 1, id: peerId, n: 'Alice', a: addresses, s: true })
    expect(parseInvite(invite).sessions).toBe(true)
  })
})
