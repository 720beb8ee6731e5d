/**
 * What the screens' new state managers do when asked (issue 55: routes →
 * state managers → widgets), with a fake node: answering a contact request
 * (the chats list), Settings' TURN form, Nearby's switch. Their live reads
 * are the database's own queries, tested in tests/unit/db; the screens
 * that show them, end to end.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { ChatsManager } from '../../../src/lib/state/chats.svelte.ts'
import { NearbyManager } from '../../../src/lib/state/nearby.svelte.ts'
import { TurnServerList } from '../../../src/lib/state/turn-servers.svelte.ts'
import { fakeCall } from '../../support/fake-node.ts'
import { openTestDb } from '../db/helpers.ts'

let db: ParleyDb

beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

const refused = (): never => { throw Object.assign(new Error('no such contact'), { name: 'ContactNotFoundError' }) }

describe('the chats list', () => {
  it('answers one request at a time, and says in words why an answer failed', async () => {
    let release = (): void => {}
    const node = fakeCall({
      acceptContact: async () => { await new Promise<void>((resolve) => { release = resolve }); return null },
      declineContact: refused
    })
    const list = new ChatsManager(node, db)

    const first = list.answer(1, true)
    expect(list.answering).toBe(1)
    await list.answer(2, false)
    release()
    await first
    expect(node.calls).toEqual([{ method: 'acceptContact', params: { contactId: 1 } }])
    expect(list.answering).toBeUndefined()
    expect(list.answerError).toBe('')

    await list.answer(2, false)
    expect(node.calls.at(-1)).toEqual({ method: 'declineContact', params: { contactId: 2 } })
    expect(list.answerError).not.toBe('')
    list.reset()
    expect(list.answerError).toBe('')
  })
})

describe('Settings\' TURN servers', () => {
  it('checks the form before it sends, then adds and clears it; a refused removal is said in words', async () => {
    const node = fakeCall({
      addTurnServer: async () => ({ id: 1 }),
      removeTurnServer: refused
    })
    const turn = new TurnServerList(node, db)

    turn.url = 'http://not-a-turn-server'
    expect(await turn.add()).toBe('url')
    expect(turn.problems.url).toBeDefined()
    expect(node.calls).toEqual([])

    turn.url = ' turn:turn.example.org:3478 '
    turn.username = 'me'
    turn.credential = 'secret'
    expect(await turn.add()).toBeUndefined()
    expect(node.calls).toEqual([{ method: 'addTurnServer', params: { url: 'turn:turn.example.org:3478', username: 'me', credential: 'secret' } }])
    expect([turn.url, turn.username, turn.credential]).toEqual(['', '', ''])
    expect(turn.done.url).toBe('turn:turn.example.org:3478')
    expect(turn.error).toBe('')

    await turn.remove({ id: 1, url: 'turn:turn.example.org:3478', username: 'me', credential: 'secret', addedAt: 1 })
    expect(turn.error).not.toBe('')
    expect(turn.done.text).toBe('')
    expect(turn.busy).toBe(false)
  })
})

describe('Nearby', () => {
  it('turns the opt-in on, and says in words when the node refuses', async () => {
    let refuse = false
    const node = fakeCall({ setNearby: async () => refuse ? refused() : null })
    const nearby = new NearbyManager(node, db)

    expect(await nearby.set(true)).toBe(true)
    expect(nearby.error).toBe('')
    refuse = true
    expect(await nearby.set(false)).toBe(false)
    expect(nearby.error).not.toBe('')
    expect(nearby.switching).toBe(false)
    expect(node.calls.map(c => c.params)).toEqual([{ enabled: true }, { enabled: false }])
  })
})
