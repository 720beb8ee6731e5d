/**
 * Notices of a reset session (src/lib/p2p/sessions/notices.ts) in a real
 * Dexie schema on fake-indexeddb: the row a notice becomes, read and never
 * sent, disappearing with the chat's timer; none for a stranger; and only
 * "delete for me" touches one.
 */
import '../../../support/russian.ts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MessageActions } from '../../../../src/lib/p2p/actions/actions.ts'
import { contactsWithOutbox } from '../../../../src/lib/db/messages.ts'
import { NOTHING_SEEN, unreadAfter } from '../../../../src/lib/pwa/unread.ts'
import { SessionNotices } from '../../../../src/lib/p2p/sessions/notices.ts'
import { setLocale, t } from '../../../../src/lib/i18n/index.ts'
import { NOTICE_DETAILS, NOTICE_WORDS } from '../../../../src/lib/ui/notice-words.ts'
import { addContact, openTestDb } from '../../db/helpers.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, MessageRow } from '../../../../src/lib/db/types.ts'

const ME = '12D3KooWMe'
const ALICE = '12D3KooWalice'

let db: ParleyDb
let alice: ContactId
let notices: SessionNotices

beforeEach(async () => {
  db = await openTestDb()
  alice = await addContact(db, 'alice')
  notices = new SessionNotices({ db, logger: testLogger() })
})
afterEach(() => { db.close() })

async function rows (): Promise<MessageRow[]> {
  return db.messages.where('contactId').equals(alice).sortBy('sentAt')
}

describe('SessionNotices', () => {
  it('a reset is a read notice from the contact in its chat, counted nowhere and never sent', async () => {
    const before = Date.now()
    await notices.sessionReset(ALICE)
    const [row] = await rows()
    expect(row).toMatchObject({ kind: 'notice', notice: 'session-reset', body: '', direction: 'in', fromPeerId: ALICE, state: 'read', contactId: alice })
    expect(row?.sentAt).toBeGreaterThanOrEqual(before)
    expect(row?.readAt).toBe(row?.sentAt)
    expect(row?.expiresAt).toBeUndefined()
    expect(await unreadAfter(db, alice, NOTHING_SEEN)).toBe(0)
    expect(await contactsWithOutbox(db)).toEqual([])

    setLocale('ru')
    expect(t(NOTICE_WORDS['session-reset'])).toBe('Защищённый сеанс сброшен')
    setLocale('en')
    expect(t(NOTICE_WORDS['session-reset'])).toBe('Secure session reset')
    expect(t(NOTICE_DETAILS['session-reset'], { name: 'Alice' })).toContain('Messages with Alice go on in a new end-to-end encrypted session')
  })

  it('with the chat\'s disappearing timer on, the notice disappears like a message', async () => {
    await db.contacts.update(alice, { timer: { ttl: 300, by: ME, id: 't', sentAt: 1 } })
    await notices.sessionReset(ALICE)
    const [row] = await rows()
    expect(row?.ttl).toBe(300)
    expect((row?.expiresAt ?? 0) - (row?.sentAt ?? 0)).toBe(300_000)
  })

  it('a peer that is not a contact gets no notice, and nothing throws', async () => {
    await expect(notices.sessionReset('12D3KooWstranger')).resolves.toBeUndefined()
    expect(await db.messages.count()).toBe(0)
  })

  it('reactions, edits and deletes for everyone are refused with their own words; delete for me works', async () => {
    await db.contacts.update(alice, { state: 'accepted' })
    await notices.sessionReset(ALICE)
    const [row] = await rows()
    if (row === undefined) throw new Error('no notice')
    const actions = new MessageActions({
      db,
      identity: { require: () => ({ peerId: ME }) as never },
      devices: { account: ME },
      contactBook: { byId: async (id: ContactId) => db.contacts.get(id) },
      outbox: { kick: () => { throw new Error('nothing is sent for a notice') } },
      transfers: { forget: async () => {} },
      groups: { sendEvent: async () => {} }
    })
    await expect(actions.react(row.id, '👍')).rejects.toMatchObject({ code: 'actionOnNotice' })
    await expect(actions.edit(row.id, 'changed')).rejects.toMatchObject({ code: 'actionOnNotice' })
    await expect(actions.delete(row.id, true)).rejects.toMatchObject({ code: 'actionOnNotice' })
    expect(await db.events.count()).toBe(0)
    await actions.delete(row.id, false)
    expect(await db.messages.get(row.id)).toBeUndefined()
  })
})
