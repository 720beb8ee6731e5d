/**
 * The drain of one relay's mailbox (src/lib/p2p/messaging/mailbox-drain.ts)
 * against an in-memory mailbox that answers as relay-node does (docs/
 * protocols.md, "Mailboxes"): every request and reply goes through the real
 * codec, so each batch also has to fit the wire's limits.
 */
import { TimeoutError } from '@libp2p/interface'
import { describe, expect, it } from 'vitest'
import {
  MAX_FETCH_REPLY_BYTES, MAX_IDS, MAX_ITEM_BYTES, MAX_LIST, decodeReply, decodeRequest, encodeReply, encodeRequest
} from '@parley/protocol/mailbox/codec'
import { MAX_BATCH_ROWS } from '../../../../src/lib/db/messages-incoming.ts'
import {
  MAX_BATCHES_PER_COMMIT, MAX_DELETES_IN_FLIGHT, MailboxProtocolError, STAGES_AHEAD, drainMailbox, fetchAll, planFetches
} from '../../../../src/lib/p2p/messaging/mailbox-drain.ts'
import type { DrainSink, MailboxCall } from '../../../../src/lib/p2p/messaging/mailbox-drain.ts'
import type { FetchedItem, MailboxReply, MailboxRequest } from '@parley/protocol/mailbox/codec'

/** The 16-byte id of item `n`. */
const idOf = (n: number): Uint8Array => { const id = new Uint8Array(16); new DataView(id.buffer).setUint32(12, n); return id }
const numberOf = (id: Uint8Array): number => new DataView(id.buffer, id.byteOffset, 16).getUint32(12)

/** A mailbox holding items 0..count-1 (in deposit order), as relay-node keeps one recipient's. */
class FakeMailbox {
  readonly items = new Map<number, Uint8Array>()
  readonly requests: MailboxRequest[] = []
  /** ids deleted before the sink had committed them (must stay empty) */
  readonly early: number[] = []
  /** delete requests waiting for an answer right now, and the most at once */
  inFlightDeletes = 0
  maxInFlightDeletes = 0
  /** ops left unanswered until their signal aborts */
  hang = new Set<MailboxRequest['op']>()
  /** list ids that FETCH then never hands out */
  phantom = false
  replyBytes = MAX_FETCH_REPLY_BYTES

  constructor (sizes: number[], readonly committed: Set<number> = new Set()) {
    sizes.forEach((size, n) => { this.items.set(n, new Uint8Array(size).fill(n % 251)) })
  }

  readonly call: MailboxCall = async (request, signal) => {
    // through the codec both ways: what the relay would read and what the app would read back
    const wire = decodeRequest(encodeRequest(request))
    this.requests.push(wire)
    if (this.hang.has(wire.op)) {
      await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true }) })
    }
    if (wire.op === 'delete') this.inFlightDeletes++
    this.maxInFlightDeletes = Math.max(this.maxInFlightDeletes, this.inFlightDeletes)
    // answered on a later turn, as a relay's reply would be
    await Promise.resolve()
    const reply = this.#answer(wire)
    if (wire.op === 'delete') this.inFlightDeletes--
    signal.throwIfAborted()
    return decodeReply(request.op, encodeReply(reply)) as never
  }

  #answer (request: MailboxRequest): MailboxReply {
    switch (request.op) {
      case 'list': {
        const keys = [...this.items.keys()].sort((a, b) => a - b)
        const after = request.after === undefined ? -1 : numberOf(request.after)
        const listed = this.phantom ? Array.from({ length: request.limit }, (_, i) => after + 1 + i) : keys.filter(k => k > after).slice(0, request.limit + 1)
        const page = listed.slice(0, request.limit)
        return { op: 'list', more: this.phantom || listed.length > request.limit, items: page.map(n => ({ id: idOf(n), size: this.items.get(n)?.byteLength ?? 100, storedAt: n, expiresAt: n + 1 })) }
      }
      case 'fetch': {
        const out: FetchedItem[] = []
        let bytes = 0
        for (const id of request.ids) {
          const item = this.phantom ? undefined : this.items.get(numberOf(id))
          if (item === undefined) continue
          if (out.length > 0 && bytes + item.byteLength > this.replyBytes) break
          bytes += item.byteLength
          out.push({ id, storedAt: numberOf(id), item })
        }
        return { op: 'fetch', items: out }
      }
      case 'delete': {
        let deleted = 0
        for (const id of request.ids) {
          const n = numberOf(id)
          if (!this.committed.has(n)) this.early.push(n)
          if (this.items.delete(n)) deleted++
        }
        return { op: 'delete', deleted }
      }
      case 'deposit': throw new Error('not in a drain')
    }
  }

  count (op: MailboxRequest['op']): number {
    return this.requests.filter(r => r.op === op).length
  }
}

/**
 * A sink that records what happens: it commits item numbers into `committed`,
 * and counts the batches it holds (prepared, not yet committed). `gate`, when
 * set, makes the commit of batches up to `last` wait until it says go, told
 * how many batches have been prepared so far.
 */
class RecordingSink implements DrainSink<number[]> {
  readonly committed = new Set<number>()
  readonly order: number[] = []
  /** batches per commit */
  readonly groups: number[] = []
  prepared = 0
  held = 0
  maxHeld = 0
  commits = 0
  failAtCommit?: number
  gate?: (last: number, prepared: number) => boolean
  /** batches let go uncommitted (discard) */
  readonly discarded: number[][] = []
  /** the prepare of this batch (by number) goes on until its signal aborts, then finishes */
  slowAt?: number
  #wake: Array<() => void> = []

  async prepare (items: FetchedItem[], signal: AbortSignal): Promise<number[]> {
    if (this.prepared === this.slowAt) {
      this.slowAt = undefined
      await new Promise<void>((resolve) => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
    }
    this.prepared++
    this.held++
    this.maxHeld = Math.max(this.maxHeld, this.held)
    for (const wake of this.#wake.splice(0)) wake()
    return items.map(i => numberOf(i.id))
  }

  async commit (batches: number[][]): Promise<void> {
    const commit = this.commits++
    const last = this.groups.reduce((sum, n) => sum + n, 0) + batches.length - 1
    this.groups.push(batches.length)
    while (this.gate !== undefined && !this.gate(last, this.prepared)) await new Promise<void>((resolve) => { this.#wake.push(resolve) })
    // and a turn more, as a write takes: what was prepared by then is ready for the drain
    if (this.gate !== undefined) await new Promise((resolve) => { setTimeout(resolve, 0) })
    if (commit === this.failAtCommit) throw new Error('the disk is full')
    for (const n of batches.flat()) {
      this.committed.add(n)
      this.order.push(n)
    }
    this.held -= batches.length
  }

  discard (batch: number[]): void {
    this.discarded.push(batch)
    this.held--
  }
}

const range = (count: number): number[] => Array.from({ length: count }, (_, i) => i)
const OPTIONS = { maxItems: 5000, requestTimeoutMs: 5000 }

describe('planFetches', () => {
  it('cuts listed items into batches of at most MAX_IDS ids and MAX_FETCH_REPLY_BYTES, in order', () => {
    const listed = (sizes: number[]): Array<{ id: Uint8Array, size: number, storedAt: number, expiresAt: number }> =>
      sizes.map((size, n) => ({ id: idOf(n), size, storedAt: n, expiresAt: n + 1 }))
    const plan = (sizes: number[]): number[][] => planFetches(listed(sizes)).map(batch => batch.map(numberOf))
    expect(plan([])).toEqual([])
    expect(plan(Array(130).fill(300))).toEqual([range(64), range(64).map(n => n + 64), [128, 129]])
    // 160 KiB items: six fit in 1 MiB, the seventh starts the next batch
    expect(plan(Array(8).fill(MAX_ITEM_BYTES))).toEqual([range(6), [6, 7]])
    // an item bigger than the reply limit alone still gets a batch (the relay always answers with one)
    expect(planFetches(listed([10, MAX_FETCH_REPLY_BYTES + 1, 10])).map(b => b.map(numberOf))).toEqual([[0], [1], [2]])
    expect(planFetches(listed([1, 2, 3, 4]), 2, 1000).map(b => b.map(numberOf))).toEqual([[0, 1], [2, 3]])
  })
})

describe('fetchAll', () => {
  it('asks again for what a reply cut short, skips ids that are gone, and keeps the order asked', async () => {
    const mailbox = new FakeMailbox(Array(10).fill(1000))
    mailbox.replyBytes = 3000
    mailbox.items.delete(4)
    const items = await fetchAll(mailbox.call, range(10).map(idOf), AbortSignal.timeout(5000))
    expect(items.map(i => numberOf(i.id))).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9])
    expect(mailbox.requests.map(r => r.op === 'fetch' ? r.ids.map(numberOf).join(',') : r.op)).toEqual(['0,1,2,3,4,5,6,7,8,9', '3,4,5,6,7,8,9', '7,8,9'])
  })

  it('ends when none of the ids is there any more', async () => {
    const mailbox = new FakeMailbox([])
    expect(await fetchAll(mailbox.call, range(3).map(idOf), AbortSignal.timeout(5000))).toEqual([])
    expect(mailbox.count('fetch')).toBe(1)
  })

  it('refuses a reply with an item it did not ask for, or out of order', async () => {
    const answer = (ids: number[]): MailboxCall => (async () => ({ op: 'fetch', items: ids.map(n => ({ id: idOf(n), storedAt: 1, item: Uint8Array.of(1) })) })) as MailboxCall
    await expect(fetchAll(answer([7]), [idOf(1), idOf(2)], AbortSignal.timeout(5000))).rejects.toThrow(MailboxProtocolError)
    await expect(fetchAll(answer([2, 1]), [idOf(1), idOf(2)], AbortSignal.timeout(5000))).rejects.toThrow(MailboxProtocolError)
    await expect(fetchAll(answer([1, 1]), [idOf(1), idOf(2)], AbortSignal.timeout(5000))).rejects.toThrow(MailboxProtocolError)
  })
})

describe('drainMailbox', () => {
  it('takes 1,000 items in a few big requests, commits each once and in order, and deletes a batch only after its commit', async () => {
    const sink = new RecordingSink()
    const mailbox = new FakeMailbox(Array(1000).fill(300), sink.committed)
    expect(await drainMailbox(mailbox.call, sink, OPTIONS)).toBe(1000)
    expect(sink.order).toEqual(range(1000))
    expect(mailbox.items.size).toBe(0)
    expect(mailbox.early).toEqual([])
    // 2 LIST (512 + 488), 16 FETCH and 16 DELETE of at most 64: not 1,000 of anything
    expect({ list: mailbox.count('list'), fetch: mailbox.count('fetch'), delete: mailbox.count('delete') }).toEqual({ list: 2, fetch: 16, delete: 16 })
    expect(mailbox.requests.every(r => r.op !== 'list' || r.limit <= MAX_LIST)).toBe(true)
    expect(mailbox.requests.every(r => (r.op !== 'fetch' && r.op !== 'delete') || r.ids.length <= MAX_IDS)).toBe(true)
    expect(mailbox.maxInFlightDeletes).toBeLessThanOrEqual(MAX_DELETES_IN_FLIGHT)
    expect(sink.groups.every(n => n >= 1 && n <= MAX_BATCHES_PER_COMMIT)).toBe(true)
    expect(sink.groups.reduce((sum, n) => sum + n, 0)).toBe(16)
  })

  it('fetches and opens the next batches while it commits, across pages, holding a bounded number', async () => {
    const sink = new RecordingSink()
    // a commit waits until the batch after it has been prepared: a drain that did not work ahead would never get there
    sink.gate = (last, prepared) => prepared > last + 1 || last + 1 >= 20
    const mailbox = new FakeMailbox(Array(1280).fill(100), sink.committed)
    expect(await drainMailbox(mailbox.call, sink, OPTIONS)).toBe(1280)
    expect(sink.order).toEqual(range(1280))
    expect(sink.maxHeld).toBeLessThanOrEqual(1 + 2 * STAGES_AHEAD)
  })

  it('commits the batches that were ready meanwhile in one write, at most MAX_BATCHES_PER_COMMIT', async () => {
    const sink = new RecordingSink()
    // the first commit waits until STAGES_AHEAD more batches are ready: the next commit takes them together
    sink.gate = (last, prepared) => last > 0 || prepared >= 1 + STAGES_AHEAD
    const mailbox = new FakeMailbox(Array(640).fill(100), sink.committed)
    await drainMailbox(mailbox.call, sink, OPTIONS)
    expect(sink.order).toEqual(range(640))
    expect(sink.groups[0]).toBe(1)
    expect(sink.groups[1]).toBe(STAGES_AHEAD)
    expect(Math.max(...sink.groups)).toBeLessThanOrEqual(MAX_BATCHES_PER_COMMIT)
    // what a commit may take fits one write of the inbox
    expect(MAX_BATCHES_PER_COMMIT * MAX_IDS).toBeLessThanOrEqual(MAX_BATCH_ROWS)
  })

  it('stops at a commit that fails: nothing from it on is deleted, what was committed before is, and the next drain brings the rest once', async () => {
    const sink = new RecordingSink()
    sink.failAtCommit = 2
    const mailbox = new FakeMailbox(Array(300).fill(100), sink.committed)
    await expect(drainMailbox(mailbox.call, sink, OPTIONS)).rejects.toThrow('the disk is full')
    expect(mailbox.early).toEqual([])
    // two commits went through (of one batch or more each), and exactly what they held left the relay
    const done = sink.order.length
    expect(done % 64 === 0 && done >= 128 && done < 300).toBe(true)
    expect(sink.order).toEqual(range(done))
    expect([...mailbox.items.keys()]).toEqual(range(300).slice(done))

    sink.failAtCommit = undefined
    expect(await drainMailbox(mailbox.call, sink, OPTIONS)).toBe(300 - done)
    expect(sink.order).toEqual(range(300))
    expect(mailbox.items.size).toBe(0)
  })

  it('ends with the drain\'s signal, deleting nothing it did not commit', async () => {
    const controller = new AbortController()
    const sink = new RecordingSink()
    const mailbox = new FakeMailbox(Array(200).fill(100), sink.committed)
    const committed = sink.commit.bind(sink)
    sink.commit = async (batches) => {
      await committed(batches)
      if (sink.order.length >= 128) controller.abort(new Error('the node stops'))
    }
    await expect(drainMailbox(mailbox.call, sink, { ...OPTIONS, signal: controller.signal })).rejects.toThrow('the node stops')
    expect(sink.order).toEqual(range(128))
    expect(mailbox.items.size).toBeGreaterThanOrEqual(200 - 128)
    expect([...mailbox.items.keys()].every(n => n >= 64)).toBe(true)
  })

  it('lets go of a batch whose opening outlasted its deadline, before it fails: the next drain opens and commits it', async () => {
    const sink = new RecordingSink()
    sink.slowAt = 1
    const mailbox = new FakeMailbox(Array(200).fill(100), sink.committed)
    const failure = await drainMailbox(mailbox.call, sink, { ...OPTIONS, requestTimeoutMs: 20 }).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(TimeoutError)
    // the first batch went; the slow one and the one opened after it were let go (none left held), nothing else deleted
    expect(sink.order).toEqual(range(64))
    expect(sink.discarded.flat().sort((a, b) => a - b)).toEqual(range(64 + 64 * sink.discarded.length).slice(64))
    expect(sink.discarded.map(b => b[0] ?? -1)).toContain(64)
    expect(sink.held).toBe(0)
    expect([...mailbox.items.keys()]).toEqual(range(200).slice(64))

    expect(await drainMailbox(mailbox.call, sink, OPTIONS)).toBe(136)
    expect(sink.order).toEqual(range(200))
  })

  it('lets go of the batches opened ahead when a commit fails', async () => {
    const sink = new RecordingSink()
    sink.failAtCommit = 0
    // the failing commit waits until the batches after it are open
    sink.gate = (_last, prepared) => prepared >= 1 + STAGES_AHEAD
    const mailbox = new FakeMailbox(Array(640).fill(100), sink.committed)
    await expect(drainMailbox(mailbox.call, sink, OPTIONS)).rejects.toThrow('the disk is full')
    // a discard comes as each one settles: wait for the turn after
    await new Promise((resolve) => { setTimeout(resolve, 0) })
    expect(sink.order).toEqual([])
    expect(sink.discarded.map(b => b[0] ?? -1).sort((a, b) => a - b)).toEqual(range(STAGES_AHEAD).map(i => 64 * (i + 1)))
    expect(mailbox.items.size).toBe(640)
  })

  it('gives up on a relay that does not answer, with a TimeoutError', async () => {
    for (const op of ['list', 'fetch'] as const) {
      const mailbox = new FakeMailbox(Array(10).fill(100))
      mailbox.hang.add(op)
      const sink = new RecordingSink()
      const failure = await drainMailbox(mailbox.call, sink, { ...OPTIONS, requestTimeoutMs: 50 }).catch((err: unknown) => err)
      expect(failure).toBeInstanceOf(TimeoutError)
      expect(sink.order).toEqual([])
      expect(mailbox.items.size).toBe(10)
    }
  })

  it('lists at most maxItems, also from a relay that lists ids it never hands out', async () => {
    const phantom = new FakeMailbox([])
    phantom.phantom = true
    expect(await drainMailbox(phantom.call, new RecordingSink(), { ...OPTIONS, maxItems: 1500 })).toBe(0)
    expect(phantom.requests.filter(r => r.op === 'list').map(r => r.op === 'list' ? r.limit : 0)).toEqual([512, 512, 476])

    const sink = new RecordingSink()
    const mailbox = new FakeMailbox(Array(700).fill(100), sink.committed)
    expect(await drainMailbox(mailbox.call, sink, { ...OPTIONS, maxItems: 600 })).toBe(600)
    expect(mailbox.items.size).toBe(100)
  })

  it('says when it ended at maxItems with more on the relay, and committed something: a relay of phantom ids, or one that holds no more, is not asked again', async () => {
    const told: string[] = []
    const sink = new RecordingSink()
    const mailbox = new FakeMailbox(Array(700).fill(100), sink.committed)
    expect(await drainMailbox(mailbox.call, sink, { ...OPTIONS, maxItems: 600, more: () => { told.push('first') } })).toBe(600)
    expect(await drainMailbox(mailbox.call, sink, { ...OPTIONS, maxItems: 600, more: () => { told.push('second') } })).toBe(100)
    // exactly maxItems left: listed whole, nothing more
    const exact = new FakeMailbox(Array(600).fill(100), new RecordingSink().committed)
    expect(await drainMailbox(exact.call, new RecordingSink(), { ...OPTIONS, maxItems: 600, more: () => { told.push('exact') } })).toBe(600)
    const phantom = new FakeMailbox([])
    phantom.phantom = true
    expect(await drainMailbox(phantom.call, new RecordingSink(), { ...OPTIONS, maxItems: 600, more: () => { told.push('phantom') } })).toBe(0)
    expect(told).toEqual(['first'])
    expect(sink.order).toEqual(range(700))
  })
})
