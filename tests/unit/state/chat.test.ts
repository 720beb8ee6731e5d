/**
 * One open chat (state/chat.svelte.ts) over a fake-indexeddb ParleyDb and a
 * fake node: stored and announced messages reconciled, the window per
 * contact and target, the draft, sending text and files.
 */
import { fakeCall } from '../../support/fake-node.ts'
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { newMessageId } from '../../../src/lib/db/messages.ts'
import type { ContactId, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import type { IncomingMessageEvent } from '../../../src/lib/rpc/protocol.ts'
import { ChatManager, type ChatNode } from '../../../src/lib/state/chat.svelte.ts'
import { GROUP_CONTACT_ID, saveGroup } from '../../../src/lib/db/groups.ts'
import { addContact, openTestDb } from '../db/helpers.ts'
import { markOf } from '../../../src/lib/pwa/unread.ts'
import { enableLiveQuery, seedChat } from './helpers.ts'

/** A node whose announcements the test makes; it records what it is asked to do and fails on request. */
class FakeNode implements ChatNode {
  readonly listeners = new Set<(event: IncomingMessageEvent) => void>()
  readonly calls: string[] = []
  /** the next call rejects with this */
  failWith: Error | undefined

  onMessage (listener: (event: IncomingMessageEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  announce (event: IncomingMessageEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  #call (what: string): void {
    this.calls.push(what)
    const err = this.failWith
    this.failWith = undefined
    if (err !== undefined) throw err
  }

  async sendMessage (contactId: ContactId, text: string): Promise<MessageId> {
    this.#call(`sendMessage ${contactId} ${text}`)
    return newMessageId()
  }

  async sendFile (contactId: ContactId, file: File, caption: string): Promise<MessageId> {
    this.#call(`sendFile ${contactId} ${file.name} "${caption}"`)
    return newMessageId()
  }

  async cancelTransfer (id: MessageId): Promise<void> {
    this.#call(`cancelTransfer ${id}`)
  }

  async retryTransfer (id: MessageId): Promise<void> {
    this.#call(`retryTransfer ${id}`)
  }

  /** The contract's call, answered by the methods above. */
  readonly call = fakeCall({
    sendMessage: async ({ contactId, text }) => ({ messageId: await this.sendMessage(contactId, text) }),
    sendFile: async ({ contactId, file, caption }) => ({ messageId: await this.sendFile(contactId, file as File, caption) }),
    sendGroupMessage: async ({ groupId, text, replyTo }) => {
      this.#call(`sendGroupMessage ${groupId.slice(0, 4)} ${text}${replyTo === undefined ? '' : ` reply ${replyTo}`}`)
      return { messageId: newMessageId() }
    },
    sendGroupFile: async ({ groupId, file }) => {
      this.#call(`sendGroupFile ${groupId.slice(0, 4)} ${(file as File).name}`)
      return { messageId: newMessageId() }
    },
    cancelTransfer: async ({ id }) => { await this.cancelTransfer(id); return null },
    retryTransfer: async ({ id }) => { await this.retryTransfer(id); return null }
  }).call as ChatNode['call']
}

let db: ParleyDb | undefined
let chat: ChatManager | undefined

beforeAll(enableLiveQuery)

// handleError logs every failure it words; these failures are made up
beforeEach(() => { vi.spyOn(console, 'error').mockImplementation(() => undefined) })

afterEach(() => {
  vi.restoreAllMocks()
  chat?.reset()
  db?.close()
  chat = undefined
  db = undefined
})

/** An incoming message of `contactId`'s chat, sent at `sentAt`. */
function incoming (contactId: ContactId, body: string, sentAt: number): MessageRow {
  return { id: newMessageId(sentAt), contactId, direction: 'in', fromPeerId: 'peer', kind: 'text', body, sentAt, receivedAt: sentAt, state: 'delivered' }
}

const bodies = (c: ChatManager): string[] => c.shown.map(m => m.body)

/** Waits until the chat's window has read its rows. */
async function settled (c: ChatManager): Promise<void> {
  await expect.poll(() => c.window !== undefined && c.window.loaded && !c.window.busy).toBe(true)
}

const SOON = 5_000_000

async function setup (): Promise<{ d: ParleyDb, node: FakeNode, c: ChatManager, alice: ContactId, bob: ContactId }> {
  const d = db = await openTestDb()
  const alice = await addContact(d, 'alice')
  const bob = await addContact(d, 'bob')
  const node = new FakeNode()
  const c = chat = new ChatManager(node, d)
  return { d, node, c, alice, bob }
}

describe('ChatManager: stored and announced messages', () => {
  it('shows an announced message at once, until its stored row arrives and replaces it', async () => {
    const { d, node, c, alice, bob } = await setup()
    await seedChat(d, alice, 3)
    c.open(alice)
    await settled(c)
    expect(bodies(c)).toEqual(['m0', 'm1', 'm2'])

    const message = incoming(alice, 'announced', SOON)
    node.announce({ kind: 'received', message })
    // another chat's message is not this chat's business
    node.announce({ kind: 'received', message: incoming(bob, 'for bob', SOON + 1) })
    expect(bodies(c)).toEqual(['m0', 'm1', 'm2', 'announced'])

    // the database is the record: its row wins, and is shown once
    await d.messages.add({ ...message, body: 'stored' })
    await expect.poll(() => bodies(c)).toEqual(['m0', 'm1', 'm2', 'stored'])
    // the same announcement again (a second tab's event, say) does not bring a copy back
    node.announce({ kind: 'received', message })
    expect(bodies(c)).toEqual(['m0', 'm1', 'm2', 'stored'])
  })

  it('withdraws an announced message when the node says its write was dropped', async () => {
    const { d, node, c, alice, bob } = await setup()
    await seedChat(d, alice, 1)
    c.open(alice)
    await settled(c)
    const kept = incoming(alice, 'kept', SOON)
    const dropped = incoming(alice, 'dropped', SOON + 1)
    node.announce({ kind: 'received', message: kept })
    node.announce({ kind: 'received', message: dropped })
    expect(bodies(c)).toEqual(['m0', 'kept', 'dropped'])
    // a drop in another chat with the same id changes nothing here
    node.announce({ kind: 'dropped', contactId: bob, id: dropped.id })
    expect(bodies(c)).toEqual(['m0', 'kept', 'dropped'])
    node.announce({ kind: 'dropped', contactId: alice, id: dropped.id })
    expect(bodies(c)).toEqual(['m0', 'kept'])
  })

  it('shows announced messages only while the window reaches the newest message', async () => {
    const { d, node, c, alice } = await setup()
    const rows = await seedChat(d, alice, 500)
    c.open(alice, (rows[100] as MessageRow).id)
    await settled(c)
    expect(c.window?.atNewest).toBe(false)
    node.announce({ kind: 'received', message: incoming(alice, 'new', SOON) })
    expect(bodies(c)).not.toContain('new')

    c.showLatest()
    await expect.poll(() => c.window?.atNewest === true && bodies(c).at(-1) === 'new').toBe(true)
    expect(bodies(c).at(-2)).toBe('m499')
  })

  it('starts afresh for another contact (no announcements, draft or error) and keeps them for another message of the same chat', async () => {
    const { d, node, c, alice, bob } = await setup()
    const rows = await seedChat(d, alice, 3)
    await seedChat(d, bob, 0)
    c.open(alice)
    await settled(c)
    node.announce({ kind: 'received', message: incoming(alice, 'for alice', SOON) })
    c.draft = 'half a thought'
    node.failWith = new Error('the node is gone')
    await c.cancelTransfer(newMessageId())
    expect(c.error).toBe('the node is gone')

    // the same chat, opened at one of its messages: a new window, the rest stays
    const first = c.window
    c.open(alice, (rows[0] as MessageRow).id)
    expect(c.window).not.toBe(first)
    expect(first?.loaded).toBe(true)
    await settled(c)
    expect(c.window?.target).toBe((rows[0] as MessageRow).id)
    expect(bodies(c)).toEqual(['m0', 'm1', 'm2', 'for alice'])
    expect(c.draft).toBe('half a thought')
    expect(c.error).toBe('the node is gone')

    c.open(bob)
    await settled(c)
    expect(bodies(c)).toEqual([])
    expect(c.draft).toBe('')
    expect(c.error).toBe('')
    // alice's announcements are not bob's chat; bob's are
    node.announce({ kind: 'received', message: incoming(alice, 'late for alice', SOON + 1) })
    node.announce({ kind: 'received', message: incoming(bob, 'for bob', SOON + 2) })
    expect(bodies(c)).toEqual(['for bob'])
    // one subscription to the node however many times the chat was opened
    expect(node.listeners.size).toBe(1)
  })

  it('reset closes the window and stops listening to the node', async () => {
    const { d, node, c, alice } = await setup()
    await seedChat(d, alice, 2)
    c.open(alice)
    await settled(c)
    const win = c.window
    c.draft = 'unsent'
    c.reset()
    expect(node.listeners.size).toBe(0)
    expect(c.window).toBeUndefined()
    expect(c.shown).toEqual([])
    expect(c.draft).toBe('')

    // the old window no longer follows the database: a chat opened afresh sees a new row, it does not
    const again = new ChatManager(node, d)
    again.open(alice)
    await settled(again)
    await d.messages.add(incoming(alice, 'after reset', SOON))
    await expect.poll(() => bodies(again)).toEqual(['m0', 'm1', 'after reset'])
    expect(win?.rows.map(m => m.body)).toEqual(['m0', 'm1'])
    again.reset()
  })
})

describe('ChatManager: following the newest message', () => {
  it('follows when opened on the newest page, not at a found message, and again when that message is not in this chat', async () => {
    const { d, c, alice, bob } = await setup()
    const rows = await seedChat(d, alice, 300)
    const other = await seedChat(d, bob, 1)
    c.open(alice)
    expect(c.stickToBottom).toBe(true)
    c.open(alice, (rows[10] as MessageRow).id)
    expect(c.stickToBottom).toBe(false)
    await settled(c)
    expect(c.stickToBottom).toBe(false)
    // bob's message is not in alice's chat: the newest page, followed
    c.open(alice, (other[0] as MessageRow).id)
    expect(c.stickToBottom).toBe(false)
    await expect.poll(() => c.stickToBottom).toBe(true)
    await settled(c)
    expect(c.window?.atNewest).toBe(true)
  })

  it('the screen sets it while scrolling; a jump to the latest or sending sets it again', async () => {
    const { d, c, alice } = await setup()
    const rows = await seedChat(d, alice, 300)
    c.open(alice, (rows[10] as MessageRow).id)
    await settled(c)
    expect(c.window?.atNewest).toBe(false)
    c.draft = 'hello'
    await c.send()
    expect(c.stickToBottom).toBe(true)
    await settled(c)
    expect(c.window?.atNewest).toBe(true)

    c.stickToBottom = false
    c.showLatest()
    expect(c.stickToBottom).toBe(true)
    c.stickToBottom = false
    await c.sendFiles([])
    expect(c.stickToBottom).toBe(true)
  })
})

describe('ChatManager: opening at the first unread message', () => {
  it('opens where the seen mark says, not following; with nothing unread, on the newest page, following', async () => {
    const d = db = await openTestDb()
    const alice = await addContact(d, 'alice')
    const bob = await addContact(d, 'bob')
    // even messages are ours, odd ones theirs (helpers.ts)
    const rows = await seedChat(d, alice, 300)
    await seedChat(d, bob, 3)
    const marks = new Map([[alice, markOf(rows[100] as MessageRow)], [bob, markOf({ sentAt: 9_000_000, id: 'z' as MessageId })]])
    const asked: ContactId[] = []
    const c = chat = new ChatManager(new FakeNode(), d, (id) => { asked.push(id); return marks.get(id) })

    c.open(alice)
    expect(asked).toEqual([alice])
    await expect.poll(() => c.firstUnread).toBe((rows[101] as MessageRow).id)
    await settled(c)
    expect(c.stickToBottom).toBe(false)
    expect(bodies(c)).toContain('m101')
    expect(c.window?.atNewest).toBe(false)

    c.open(bob)
    await settled(c)
    expect(c.firstUnread).toBeUndefined()
    expect(c.stickToBottom).toBe(true)
    expect(c.window?.atNewest).toBe(true)

    // a link to a message opens there, whatever is unread; the mark is not read
    c.open(alice, (rows[10] as MessageRow).id)
    await settled(c)
    expect(asked).toEqual([alice, bob])
    expect(c.firstUnread).toBeUndefined()
    expect(c.window?.target).toBe((rows[10] as MessageRow).id)
  })
})

describe('ChatManager: sending', () => {
  it('sends the draft, clearing it at once (and saying it was sent, for typing); a blank draft sends nothing', async () => {
    const { node, c, alice } = await setup()
    c.open(alice)
    c.draft = '  hi there '
    expect(c.draftSent).toBe(false)
    const sending = c.send()
    expect(c.draft).toBe('')
    expect(c.draftSent).toBe(true)
    await sending
    // the text goes without the whitespace around it
    expect(node.calls).toEqual([`sendMessage ${alice} hi there`])
    c.draft = ' \n '
    expect(c.draftSent).toBe(false)
    await c.send()
    expect(node.calls).toHaveLength(1)
    expect(c.draft).toBe(' \n ')
    // cleared by hand: not sent
    c.draft = ''
    expect(c.draftSent).toBe(false)
  })

  it('gives the text back when sending fails, unless a new message was started, and says why', async () => {
    const { node, c, alice } = await setup()
    c.open(alice)
    node.failWith = Object.assign(new Error('The node is not running.'), { name: 'NodeNotRunningError' })
    c.draft = 'first'
    await c.send()
    expect(c.draft).toBe('first')
    expect(c.draftSent).toBe(false)
    expect(c.error).toBe('The node is not running.')

    node.failWith = new Error('still not running')
    const sending = c.send()
    c.draft = 'second'
    await sending
    expect(c.draft).toBe('second')
    expect(c.error).toBe('still not running')

    // the next send clears the error
    await c.send()
    expect(c.error).toBe('')
    // an AbortError is no failure worth words
    node.failWith = Object.assign(new Error('aborted'), { name: 'AbortError' })
    c.draft = 'third'
    await c.send()
    expect(c.error).toBe('')
  })

  it('offers files through sendFiles, showing why some were left out until a failure says more', async () => {
    const { node, c, alice } = await setup()
    c.open(alice)
    const file = (name: string): File => new File(['x'], name, { type: 'text/plain' })
    await c.sendFiles([file('a.txt'), file('b.txt')], '2 folders were left out.')
    expect(node.calls).toEqual([`sendFile ${alice} a.txt ""`, `sendFile ${alice} b.txt ""`])
    expect(c.error).toBe('2 folders were left out.')

    node.calls.length = 0
    node.failWith = new Error('The file could not be read.')
    await c.sendFiles([file('c.txt'), file('d.txt')], 'left out')
    // the first failure stops the rest and replaces the notice
    expect(node.calls).toEqual([`sendFile ${alice} c.txt ""`])
    expect(c.error).toBe('The file could not be read.')
    await c.sendFiles([file('e.txt')])
    expect(c.error).toBe('')
  })

  it('cancels and retries transfers, a failure in words', async () => {
    const { node, c, alice } = await setup()
    c.open(alice)
    const id = newMessageId()
    await c.cancelTransfer(id)
    await c.retryTransfer(id)
    expect(node.calls).toEqual([`cancelTransfer ${id}`, `retryTransfer ${id}`])
    node.failWith = new Error('That transfer is finished.')
    await c.retryTransfer(id)
    expect(c.error).toBe('That transfer is finished.')
    await c.act('getFile', async () => { throw new Error('The file is gone.') })
    expect(c.error).toBe('The file is gone.')
  })
})

describe('ChatManager: a group\'s chat', () => {
  const G = 'ab'.repeat(16)
  const groupMessage = (lamport: number, from: string, body: string, state: MessageRow['state'] = 'read'): MessageRow => ({
    id: newMessageId(1_000_000 + lamport), contactId: GROUP_CONTACT_ID, groupId: G, lamport, direction: from === 'me' ? 'out' : 'in', fromPeerId: from, kind: 'text', body, sentAt: 9_000_000 - lamport, state
  })

  it('shows the group\'s messages in its order (not by clock), none of a contact\'s, and no announcements', async () => {
    const { d, node, c, alice } = await setup()
    await saveGroup(d, { id: G, name: 'g', picture: '', state: 'member', members: [], lamport: 0, heads: [], createdAt: 1, updatedAt: 1 }, [])
    await seedChat(d, alice, 2)
    await d.messages.bulkAdd([groupMessage(2, 'peerB', 'second'), groupMessage(1, 'peerZ', 'first'), groupMessage(2, 'peerA', 'second, A before B')])
    c.open({ kind: 'group', groupId: G })
    await settled(c)
    expect(bodies(c)).toEqual(['first', 'second, A before B', 'second'])
    node.announce({ kind: 'received', message: incoming(alice, 'for alice', SOON) })
    expect(bodies(c)).toEqual(['first', 'second, A before B', 'second'])
  })

  it('opens at the first message not read yet, whatever this browser\'s seen marks say', async () => {
    const { d, c } = await setup()
    const rows = [groupMessage(1, 'peerA', 'old'), groupMessage(2, 'peerA', 'new one', 'delivered'), groupMessage(3, 'me', 'mine', 'sent')]
    await d.messages.bulkAdd(rows)
    c.open({ kind: 'group', groupId: G })
    await settled(c)
    expect(c.firstUnread).toBe(rows[1]?.id)
    expect(c.stickToBottom).toBe(false)
  })

  it('sends text (with its reply) and files to the group', async () => {
    const { node, c } = await setup()
    c.open({ kind: 'group', groupId: G })
    const replyTo = newMessageId()
    c.draft = '  hello all '
    await c.send(replyTo)
    await c.sendFiles([new File(['x'], 'plan.txt', { type: 'text/plain' })])
    expect(node.calls).toEqual([`sendGroupMessage abab hello all reply ${replyTo}`, 'sendGroupFile abab plan.txt'])
    expect(c.draft).toBe('')
  })
})
