/** The chat window (state/chat-window.svelte.ts) over a fake-indexeddb ParleyDb. */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { GROUP_CONTACT_ID } from '../../../src/lib/db/groups.ts'
import { newMessageId, queueOutgoing } from '../../../src/lib/db/messages.ts'
import type { MessageRow } from '../../../src/lib/db/types.ts'
import { ChatWindow, MAX_WINDOW, PAGE, UNREAD_CONTEXT } from '../../../src/lib/state/chat-window.svelte.ts'
import { markOf, NOTHING_SEEN } from '../../../src/lib/pwa/unread.ts'
import { addContact, openTestDb } from '../db/helpers.ts'
import { enableLiveQuery, seedChat } from './helpers.ts'

let db: ParleyDb | undefined
let win: ChatWindow | undefined

beforeAll(enableLiveQuery)

afterEach(() => {
  win?.close()
  db?.close()
  win = undefined
  db = undefined
})

const bodies = (w: ChatWindow): string[] => w.rows.map(r => r.body)

async function settled (w: ChatWindow): Promise<void> {
  await expect.poll(() => w.busy || !w.loaded).toBe(false)
}

describe('ChatWindow', () => {
  it('opens on the newest page of a long chat and pages up and down within bounds', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const bob = await addContact(db, 'bob')
    await seedChat(db, bob, 30)
    await seedChat(db, alice, 1000)
    win = new ChatWindow(db, alice)
    await win.openLatest()
    await settled(win)
    expect(win.rows).toHaveLength(PAGE)
    expect(bodies(win).at(-1)).toBe('m999')
    expect(bodies(win)[0]).toBe(`m${1000 - PAGE}`)
    expect(win.atNewest).toBe(true)
    expect(win.atOldest).toBe(false)

    for (let i = 0; i < 5; i++) {
      await win.loadOlder()
      await settled(win)
    }
    // bounded: the newest end was dropped
    expect(win.rows).toHaveLength(MAX_WINDOW)
    expect(bodies(win)[0]).toBe(`m${1000 - 6 * PAGE}`)
    expect(win.atNewest).toBe(false)

    await win.loadNewer()
    await settled(win)
    expect(win.rows).toHaveLength(MAX_WINDOW)
    expect(bodies(win)[0]).toBe(`m${1000 - 5 * PAGE}`)
    expect(bodies(win).at(-1)).toBe(`m${1000 - PAGE - 1}`)
    await win.loadNewer()
    await settled(win)
    expect(bodies(win).at(-1)).toBe('m999')
    expect(win.atNewest).toBe(true)
    expect(win.rows.every(r => r.contactId === alice)).toBe(true)
  })

  it('follows new messages live while at the newest, not the chat of another contact', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const bob = await addContact(db, 'bob')
    await seedChat(db, alice, 3)
    win = new ChatWindow(db, alice)
    await win.openLatest()
    await settled(win)
    expect(win.atOldest).toBe(true)
    expect(bodies(win)).toEqual(['m0', 'm1', 'm2'])
    await queueOutgoing(db, { contactId: alice, fromPeerId: 'me', body: 'new one', now: 9_000_000 })
    await queueOutgoing(db, { contactId: bob, fromPeerId: 'me', body: 'elsewhere', now: 9_000_001 })
    await expect.poll(() => bodies(win as ChatWindow)).toEqual(['m0', 'm1', 'm2', 'new one'])
  })

  it('keeps the objects of rows a new result did not change, so they do not render again', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    await seedChat(db, alice, 3)
    win = new ChatWindow(db, alice)
    await win.openLatest()
    await settled(win)
    const [first, second, third] = win.rows
    const added = await queueOutgoing(db, { contactId: alice, fromPeerId: 'me', body: 'new one', now: 9_000_000 })
    await expect.poll(() => bodies(win as ChatWindow)).toEqual(['m0', 'm1', 'm2', 'new one'])
    expect(win.rows.slice(0, 3)).toEqual([first, second, third])
    expect(win.rows[0]).toBe(first)
    expect(win.rows[2]).toBe(third)

    const before = win.rows
    await db.messages.update(added.id, { state: 'delivered' })
    await expect.poll(() => (win as ChatWindow).rows.at(-1)?.state).toBe('delivered')
    expect(win.rows).not.toBe(before)
    expect(win.rows.slice(0, 3)).toEqual(before.slice(0, 3))
    expect(win.rows[1]).toBe(second)
  })

  it('opens around one message, and falls back to the newest for an unknown one', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const bob = await addContact(db, 'bob')
    const rows = await seedChat(db, alice, 500)
    const other = await seedChat(db, bob, 1)
    win = new ChatWindow(db, alice)
    const target = rows[100] as MessageRow
    expect(await win.openAt(target.id)).toBe(true)
    await settled(win)
    expect(win.target).toBe(target.id)
    expect(bodies(win)).toContain('m100')
    expect(win.rows.length).toBeLessThanOrEqual(PAGE + 1)
    expect(win.atNewest).toBe(false)
    expect(win.atOldest).toBe(false)

    expect(await win.openAt((other[0] as MessageRow).id)).toBe(false)
    await settled(win)
    expect(bodies(win).at(-1)).toBe('m499')
    expect(win.atNewest).toBe(true)
  })

  it('says it reaches the newest message only once the rows of the newest page are there', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const rows = await seedChat(db, alice, 300)
    win = new ChatWindow(db, alice)
    await win.openAt((rows[100] as MessageRow).id)
    await settled(win)
    expect(win.atNewest).toBe(false)
    // the newest page is being read: the rows are still the old ones, and so is atNewest
    await win.openLatest()
    expect(bodies(win)).toContain('m100')
    expect(win.atNewest).toBe(false)
    await settled(win)
    expect(bodies(win).at(-1)).toBe('m299')
    expect(win.atNewest).toBe(true)
  })

  it('opens at the first unread message with a few before it, even far from the newest page', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    // even messages are ours, odd ones theirs (helpers.ts)
    const rows = await seedChat(db, alice, 500)
    win = new ChatWindow(db, alice)
    // seen up to m200 (ours): m201 is the first unread one
    const first = await win.openAtUnread(markOf(rows[200] as MessageRow))
    await settled(win)
    expect(first).toBe((rows[201] as MessageRow).id)
    expect(win.firstUnread).toBe(first)
    expect(win.target).toBeUndefined()
    expect(win.rows).toHaveLength(PAGE)
    expect(bodies(win)[0]).toBe(`m${201 - UNREAD_CONTEXT}`)
    expect(bodies(win).at(-1)).toBe(`m${201 + PAGE - 1 - UNREAD_CONTEXT}`)
    expect(win.atNewest).toBe(false)
    expect(win.atOldest).toBe(false)

    // the first unread message is kept while the window moves
    await win.openLatest()
    await settled(win)
    expect(bodies(win).at(-1)).toBe('m499')
    expect(win.firstUnread).toBe(first)
  })

  it('near the newest message, fills the page with older ones; nothing unread or nothing seen: the newest page', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    const rows = await seedChat(db, alice, 300)
    win = new ChatWindow(db, alice)
    expect(await win.openAtUnread(markOf(rows[294] as MessageRow))).toBe((rows[295] as MessageRow).id)
    await settled(win)
    expect(win.rows).toHaveLength(PAGE)
    expect(bodies(win).at(-1)).toBe('m299')
    expect(bodies(win)[0]).toBe(`m${300 - PAGE}`)
    expect(win.atNewest).toBe(true)
    win.close()

    for (const seen of [markOf(rows[299] as MessageRow), undefined]) {
      win = new ChatWindow(db, alice)
      expect(await win.openAtUnread(seen)).toBeUndefined()
      await settled(win)
      expect(win.firstUnread).toBeUndefined()
      expect(bodies(win).at(-1)).toBe('m299')
      expect(win.rows).toHaveLength(PAGE)
      win.close()
    }

    // a chat seen while it was empty: everything is unread, from its first incoming message
    win = new ChatWindow(db, alice)
    expect(await win.openAtUnread(NOTHING_SEEN)).toBe((rows[1] as MessageRow).id)
    await settled(win)
    expect(bodies(win)[0]).toBe('m0')
    expect(win.atOldest).toBe(true)
    expect(win.rows).toHaveLength(PAGE)
  })
})

describe('ChatWindow over a group', () => {
  const G1 = 'a1'.repeat(16)
  const G2 = 'b2'.repeat(16)
  /** `count` messages of group `groupId`, lamport 1…, two authors taking turns; their clocks run backwards (the order is the group's, not theirs) */
  async function seedGroup (d: ParleyDb, groupId: string, count: number): Promise<MessageRow[]> {
    const rows: MessageRow[] = Array.from({ length: count }, (_, i) => ({
      id: newMessageId(1_000_000 + i), contactId: GROUP_CONTACT_ID, groupId, lamport: i + 1, direction: 'in', fromPeerId: i % 2 === 0 ? 'peerA' : 'peerB',
      kind: 'text', body: `g${i}`, sentAt: 9_000_000 - i * 1000, state: i < count - 5 ? 'read' : 'delivered'
    }))
    await d.messages.bulkAdd(rows)
    return rows
  }

  it('pages over the group\'s order, not another group\'s or a contact\'s messages, and opens at its first unread one', async () => {
    db = await openTestDb()
    const alice = await addContact(db, 'alice')
    await seedChat(db, alice, 10)
    await seedGroup(db, G2, 20)
    const rows = await seedGroup(db, G1, 300)
    win = new ChatWindow(db, { kind: 'group', groupId: G1 })
    await win.openLatest()
    await settled(win)
    expect(bodies(win)).toEqual(Array.from({ length: PAGE }, (_, i) => `g${300 - PAGE + i}`))
    await win.loadOlder()
    await settled(win)
    expect(bodies(win)[0]).toBe(`g${300 - 2 * PAGE}`)
    expect(win.rows.every(r => r.groupId === G1)).toBe(true)
    win.close()

    // the window's first unread message is the group's first not read (the seen mark is for contacts' chats)
    win = new ChatWindow(db, { kind: 'group', groupId: G1 })
    expect(await win.openAtUnread(undefined)).toBe((rows[295] as MessageRow).id)
    await settled(win)
    expect(bodies(win).at(-1)).toBe('g299')
    win.close()

    // a message of another group is not this group's: the newest page instead
    win = new ChatWindow(db, { kind: 'group', groupId: G1 })
    const other = (await db.messages.where('[groupId+lamport+fromPeerId+id]').between([G2, 0, '', ''], [G2, 99, '~', '~']).first()) as MessageRow
    expect(await win.openAt(other.id)).toBe(false)
    await settled(win)
    expect(bodies(win).at(-1)).toBe('g299')
  })
})
