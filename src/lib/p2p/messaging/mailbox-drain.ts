/**
 * Taking our items off one relay's mailbox (docs/protocols.md, "Mailboxes",
 * Drain), in big batches and as a pipeline:
 *
 *   LIST pages of up to MAX_LIST ids (with their sizes), oldest first;
 *   FETCH them in batches of at most MAX_IDS ids and MAX_FETCH_REPLY_BYTES
 *     (planned from the listed sizes, so the relay need not cut a reply);
 *   prepare batches (open the seals, decode) up to STAGES_AHEAD ahead of the
 *     one being committed (stored durably, by the caller's sink), across
 *     pages too, and commit the ones ready by then together;
 *   DELETE a batch once, and only once, its commit resolved (at most
 *     MAX_DELETES_IN_FLIGHT at once).
 *
 * So at most 1 + 2 × STAGES_AHEAD fetched batches are held at once (those
 * being committed and those fetched meanwhile), items are committed in
 * the order the relay lists them, and an item leaves the relay only after
 * what it carried is stored: a drain cut off at any point (the relay gone,
 * the worker stopped, a write refused) leaves the rest on the relay for the
 * next one, and what was stored but not yet deleted comes again as a
 * duplicate, stored once. What was opened and not committed is handed back
 * (`discard`) before the drain ends, also a batch whose opening outlasted
 * its deadline: opening a box moves its session on in memory, and the same
 * box from the next drain must open again. Every request has its own
 * deadline and the drain's signal.
 */
import { bytesToHex } from '@noble/hashes/utils.js'
import { raceSignal, withDeadline } from '@parley/protocol/abort'
import { MAX_FETCH_REPLY_BYTES, MAX_IDS, MAX_LIST } from '@parley/protocol/mailbox/codec'
import type { FetchedItem, ListedItem, MailboxReply, MailboxRequest } from '@parley/protocol/mailbox/codec'

/** One mailbox request on the relay's connection, answered or refused within `signal`. */
export type MailboxCall = <R extends MailboxRequest>(request: R, signal: AbortSignal) => Promise<Extract<MailboxReply, { op: R['op'] }>>

/** What a drain hands its batches to. */
export interface DrainSink<Prepared> {
  /** Opens and checks a fetched batch (runs while the batch before is committed); per-item problems are the sink's to count, not to throw. */
  prepare(items: FetchedItem[], signal: AbortSignal): Promise<Prepared>
  /** Stores what `prepare` made of one or more batches, in order; resolves only once it is durable, since they are deleted from the relay then. */
  commit(prepared: Prepared[], signal: AbortSignal): Promise<void>
  /**
   * What `prepare` made of a batch that will not be committed (its stage's
   * deadline ended first, or the drain failed): the batch stays on the relay
   * and comes again, so whatever opening it changed in memory (a session's
   * state past its boxes' keys) must be let go, or the next drain could not
   * open it again.
   */
  discard?(prepared: Prepared): void
}

export interface DrainOptions {
  /** stop after this many items (so that a drain always ends) */
  maxItems: number
  /** each request's deadline, in ms */
  requestTimeoutMs: number
  /** ends the drain (requests in flight are aborted) */
  signal?: AbortSignal
  /**
   * Told when the drain ends at `maxItems` while the relay listed more, and
   * committed something: the caller drains again (a relay listing ids it
   * never hands out commits nothing, and is not asked again at once).
   */
  more?: () => void
}

/** DELETE requests in flight at once; the drain waits for the oldest past this. */
export const MAX_DELETES_IN_FLIGHT = 4
/** Batches fetched and opened ahead of the one being committed (each at most MAX_FETCH_REPLY_BYTES of items). */
export const STAGES_AHEAD = 2
/** Most batches committed in one write (those already fetched and opened when a commit starts): 4 × 64 items. */
export const MAX_BATCHES_PER_COMMIT = 4
/** Fetching (a FETCH that comes back short is asked again) and opening one batch may take this many request deadlines. */
const STAGE_REQUESTS = 12
/** A signal that never aborts, for DELETEs when the drain has none (each still has its own deadline). */
const NEVER = new AbortController().signal

/** The relay answered a request with something it was not asked for. */
export class MailboxProtocolError extends Error {
  override name = 'MailboxProtocolError'
}

/**
 * Splits listed items into FETCH batches, in order: at most `maxIds` ids
 * each, and whole items of at most `maxBytes` together (an item bigger than
 * that alone gets a batch of its own, which the relay still answers).
 */
export function planFetches (listed: readonly ListedItem[], maxIds: number = MAX_IDS, maxBytes: number = MAX_FETCH_REPLY_BYTES): Uint8Array[][] {
  const batches: Uint8Array[][] = []
  let batch: Uint8Array[] = []
  let bytes = 0
  for (const item of listed) {
    if (batch.length > 0 && (batch.length >= maxIds || bytes + item.size > maxBytes)) {
      batches.push(batch)
      batch = []
      bytes = 0
    }
    batch.push(item.id)
    bytes += item.size
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

/**
 * FETCHes every item of `ids` still there, in that order. The relay answers
 * in the order asked, leaving out ids it no longer has and stopping before
 * its reply limit; what it did not reach is asked for again, so each request
 * takes at least one id off the list.
 *
 * @throws MailboxProtocolError for a reply with an id not asked for, or out of order
 */
export async function fetchAll (call: MailboxCall, ids: readonly Uint8Array[], signal: AbortSignal): Promise<FetchedItem[]> {
  const out: FetchedItem[] = []
  let rest = [...ids]
  while (rest.length > 0) {
    const reply = await call({ op: 'fetch', ids: rest }, signal)
    if (reply.items.length === 0) break
    const position = new Map(rest.map((id, i) => [bytesToHex(id), i]))
    let last = -1
    for (const item of reply.items) {
      const at = position.get(bytesToHex(item.id))
      if (at === undefined || at <= last) throw new MailboxProtocolError('the relay answered a FETCH with an item not asked for, or out of order')
      last = at
    }
    out.push(...reply.items)
    rest = rest.slice(last + 1)
  }
  return out
}

/** Runs `fn` with a signal ending after `ms` or with any parent, and stops waiting for it then. */
async function bounded<T> (ms: number, message: string, parents: Array<AbortSignal | undefined>, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return withDeadline(ms, message, parents, async (signal) => raceSignal(fn(signal), signal))
}

/** Waits until every one of `promises` settled, or `ms` passed. */
async function settledWithin (promises: Array<Promise<unknown>>, ms: number): Promise<void> {
  if (promises.length === 0) return
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([Promise.allSettled(promises), new Promise<void>((resolve) => { timer = setTimeout(resolve, ms) })])
  clearTimeout(timer)
}

/**
 * Drains the mailbox `call` reaches into `sink` (see the top of this file).
 * Resolves how many items were committed (and deleted from the relay); at
 * most `maxItems` are listed, and `more` is told when the relay holds more.
 *
 * @throws the first failure (a request, a commit, the signal, a deadline);
 * the DELETEs of batches committed before it are still sent first
 */
export async function drainMailbox<Prepared> (call: MailboxCall, sink: DrainSink<Prepared>, options: DrainOptions): Promise<number> {
  const { maxItems, requestTimeoutMs } = options
  // ends the LISTs, fetches and prepares in flight when the drain stops early
  const stop = new AbortController()
  const ahead = [options.signal, stop.signal]
  const request: MailboxCall = async (req, parent) =>
    bounded(requestTimeoutMs, `a mailbox ${req.op} got no answer within ${requestTimeoutMs} ms`, [parent], async (signal) => call(req, signal))

  // the listing stopped at maxItems, the relay saying it holds more
  let cut = false
  // the batches to fetch, page after page; ids listed count towards maxItems, fetched or not, so that
  // a relay listing ids it never hands out cannot keep a drain going
  async function * batches (): AsyncGenerator<Uint8Array[]> {
    let listed = 0
    let after: Uint8Array | undefined
    for (;;) {
      if (listed >= maxItems) {
        cut = true
        return
      }
      const limit = Math.min(MAX_LIST, maxItems - listed)
      const page = await bounded(requestTimeoutMs, 'a mailbox list got no answer in time', ahead, async (signal) =>
        request(after === undefined ? { op: 'list', limit } : { op: 'list', limit, after }, signal))
      listed += page.items.length
      yield * planFetches(page.items)
      const last = page.items.at(-1)
      if (!page.more || last === undefined) return
      after = last.id
    }
  }
  const pending = batches()
  // prepares still running: a stage's deadline stops the wait for one, not the prepare itself
  const preparing = new Set<Promise<unknown>>()
  // fetch and open the next batch (a FETCH may come back short, so a batch may take a few)
  type Staged = { ids: Uint8Array[], prepared: Prepared }
  const stageNext = async (): Promise<Staged | undefined> => {
    const next = await pending.next()
    if (next.done === true) return undefined
    // opening waits for sessions' locks (held by a seal fetching a bundle, say) under deadlines of
    // their own: given long, since a batch given up is opened again, whole, by the next drain
    let prepare: Promise<Prepared> | undefined
    return bounded(STAGE_REQUESTS * requestTimeoutMs, 'a mailbox batch took too long to fetch and open', ahead, async (signal) => {
      const items = await fetchAll(request, next.value, signal)
      const opening = sink.prepare(items, signal)
      prepare = opening
      preparing.add(opening)
      const done = (): void => { preparing.delete(opening) }
      opening.then(done, done)
      return { ids: items.map(i => i.id), prepared: await opening }
    }).catch((err: unknown) => {
      // given up while it opened (its deadline, or the drain failed): what it opens is not committed
      prepare?.then((prepared) => { sink.discard?.(prepared) }, () => {})
      throw err
    })
  }

  // stages under way, oldest first; `value` is set once one is fetched and opened
  const queue: Array<{ promise: Promise<Staged | undefined>, ready: boolean, value?: Staged }> = []
  const fill = (): void => {
    while (queue.length < STAGES_AHEAD) {
      const entry: { promise: Promise<Staged | undefined>, ready: boolean, value?: Staged } = { promise: stageNext(), ready: false }
      entry.promise.then((value) => { entry.ready = value !== undefined; entry.value = value }, () => {})
      queue.push(entry)
    }
  }
  const deletes: Array<Promise<unknown>> = []
  let processed = 0
  try {
    fill()
    for (;;) {
      const first = await queue.shift()?.promise
      if (first === undefined) break
      // batches fetched and opened meanwhile are committed with it, in one write
      const group = [first]
      while (group.length < MAX_BATCHES_PER_COMMIT && queue[0]?.ready === true && queue[0].value !== undefined) {
        group.push(queue[0].value)
        queue.shift()
      }
      // the next batches are fetched and opened while these are committed
      fill()
      await bounded(requestTimeoutMs, 'storing mailbox items took too long', [options.signal], async (signal) => sink.commit(group.map(g => g.prepared), signal))
      for (const { ids } of group) {
        processed += ids.length
        if (ids.length === 0) continue
        while (deletes.length >= MAX_DELETES_IN_FLIGHT) await deletes.shift()
        const deleting = request({ op: 'delete', ids }, options.signal ?? NEVER)
        // awaited above or below (in order), or settled when the drain fails
        deleting.catch(() => {})
        deletes.push(deleting)
      }
    }
    await Promise.all(deletes)
    if (cut && processed > 0) options.more?.()
    return processed
  } catch (err) {
    stop.abort(err)
    void pending.return(undefined).catch(() => {})
    // batches opened and not committed are let go, those still opening once they are (they stop
    // at the abort above): before the next drain, which takes the same items, opens them again
    for (const entry of queue) void entry.promise.then((staged) => { if (staged !== undefined) sink.discard?.(staged.prepared) }, () => {})
    await settledWithin([...preparing], requestTimeoutMs)
    // what was committed still leaves the relay (should that fail too, it comes again and is stored once)
    await Promise.allSettled(deletes)
    throw err
  }
}
