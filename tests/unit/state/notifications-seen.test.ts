/**
 * The notifications module moves a chat's seen mark to its newest message
 * while the chat is on screen (state/notifications.svelte.ts), but only once
 * the hashchange that put it there was handled: the hash changes a task
 * before that event, and the chat reads the mark as it comes on screen, to
 * open at its first unread message. A count read in that gap leaves the mark.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { newMessageId } from '../../../src/lib/db/messages.ts'
import type { ContactId, MessageRow } from '../../../src/lib/db/types.ts'
import { markOf, readSeenMarks, writeSeenMarks } from '../../../src/lib/pwa/unread.ts'
import { getDb } from '../../../src/lib/state/live.svelte.ts'
import { notifications } from '../../../src/lib/state/notifications.svelte.ts'
import { enableLiveQuery } from './helpers.ts'
import { MemoryStorage } from './storage-stub.ts'

const page = { hash: '#/' }
const win = new EventTarget()
const doc = Object.assign(new EventTarget(), { visibilityState: 'visible', title: '' })
let stop: (() => void) | undefined

beforeAll(() => {
  enableLiveQuery()
  vi.stubGlobal('localStorage', new MemoryStorage())
  vi.stubGlobal('location', page)
  vi.stubGlobal('window', win)
  vi.stubGlobal('document', doc)
  vi.stubGlobal('navigator', {})
})

afterAll(async () => {
  stop?.()
  getDb().close()
  vi.unstubAllGlobals()
  notifications.reset()
})

function incoming (contactId: ContactId, n: number): MessageRow {
  const sentAt = 1_700_000_000_000 + n * 1000
  return { id: newMessageId(sentAt), contactId, direction: 'in', fromPeerId: 'x', kind: 'text', body: `m${n}`, sentAt, state: 'delivered' }
}

describe('the seen mark of the chat on screen', () => {
  it('stays until the hashchange that opened the chat is handled, then moves to the newest message', async () => {
    const db = getDb()
    const contactId = await db.contacts.add({
      peerId: 'x', username: 'Bob', addresses: [], status: 'offline', notes: '', blocked: false, state: 'accepted', verified: false, addedAt: 1, updatedAt: 1
    } as Parameters<typeof db.contacts.add>[0]) as ContactId
    const rows = [0, 1, 2, 3].map(n => incoming(contactId, n))
    await db.messages.bulkAdd(rows)
    const seen = markOf(rows[0] as MessageRow)
    writeSeenMarks(new Map([[contactId, seen]]), new Set([contactId]))

    stop = notifications.start({ onMessage: () => () => {}, onCall: () => () => {} })
    await vi.waitFor(() => { expect(notifications.unread.get(contactId)).toBe(3) })

    // the reader clicks the chat: the hash is the chat's, its hashchange not yet dispatched;
    // a message arriving now is counted, and the mark stays where the chat will read it
    page.hash = `#/chat/${contactId}`
    const last = incoming(contactId, 4)
    await db.messages.add(last)
    await vi.waitFor(() => { expect(notifications.unread.get(contactId)).toBe(4) })
    expect(readSeenMarks().get(contactId)).toEqual(seen)

    // the hashchange handled: on screen, everything in it is seen
    win.dispatchEvent(new Event('hashchange'))
    await vi.waitFor(() => { expect(notifications.unread.get(contactId)).toBeUndefined() })
    expect(readSeenMarks().get(contactId)).toEqual(markOf(last))
  })
})
