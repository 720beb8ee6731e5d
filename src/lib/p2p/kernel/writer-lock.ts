/**
 * One writer per database (issue 57 item 9). The SharedWorker singleton and
 * the fallback's tab election keep one node per browser profile only as long
 * as every copy of the app plays along: a tab without Web Locks ran a node of
 * its own, and across an app update an old and a new worker (their scripts'
 * URLs differ, so the browser runs both) shared the database. Two nodes
 * writing the same session rows fork the ratchet.
 *
 * So the node itself takes the exclusive Web Lock `parley-writer:<db name>`
 * before it opens the database and holds it for its life; without Web Locks
 * it does not start. A newer build takes over from an older one by asking,
 * not by `steal`: it announces its build on the BroadcastChannel of the same
 * name and waits in the lock's queue; an older holder that hears it stops its
 * node (its last writes land), closes the database, then releases the lock,
 * and its tabs are told to reload. `steal` would hand the lock over at once,
 * while the old node may be in the middle of a write: two writers for as long
 * as it takes the old one to notice, the very thing the lock is for.
 *
 * Messages on the channel: `{ type: 'claim', build }` (a node that wants the
 * lock) and `{ type: 'held', build }` (the holder's answer to a claim from a
 * build not newer than its own). A node that hears `held` from a newer build
 * gives up at once (`newerVersionRunning`); otherwise it waits for the lock
 * until its patience runs out (`writerLockHeld`): a holder of the same build
 * may be a worker on its way out (a reloaded page's), which releases soon.
 */

/** The part of the Web Locks `LockManager` used here. */
export interface WriterLocks {
  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>
}

/** The part of `BroadcastChannel` used here. */
export interface WriterChannel {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  close(): void
}

/** Why a node does not run: the codes its status carries (contract/error-codes/node.ts). */
export type WriterRefusal = 'writerLockUnavailable' | 'writerLockHeld' | 'newerVersionRunning'

/** How long a node waits for the holder of the lock to go before it gives up. */
export const WRITER_PATIENCE_MS = 15_000

export interface WriterLockInit {
  /** `navigator.locks`; undefined where the browser has none (the node then refuses to start) */
  locks: WriterLocks | undefined
  /** the database's name: one lock per database */
  database: string
  /** this app's build (its time, ms): the larger is the newer */
  build: number
  /** the announcement channel named `parley-writer:<database>`; without it builds are not compared (tests) */
  channel?: (name: string) => WriterChannel
  /** aborts when the node has waited long enough for the lock; default {@link WRITER_PATIENCE_MS} */
  patience?: () => AbortSignal
}

interface Claim { type: 'claim' | 'held', build: number }

function parseClaim (data: unknown): Claim | undefined {
  const m = data as Partial<Claim> | null
  if (typeof m !== 'object' || m === null) return undefined
  if ((m.type !== 'claim' && m.type !== 'held') || typeof m.build !== 'number' || !Number.isFinite(m.build)) return undefined
  return { type: m.type, build: m.build }
}

/** The lock's and the channel's name for `database`. */
export function writerLockName (database: string): string {
  return `parley-writer:${database}`
}

export class WriterLock {
  readonly #init: WriterLockInit
  #release: (() => void) | undefined
  #channel: WriterChannel | undefined
  #onStepDown: (() => Promise<void>) | undefined
  #steppingDown = false

  constructor (init: WriterLockInit) {
    this.#init = init
  }

  /** Whether this node holds the lock now. */
  get held (): boolean {
    return this.#release !== undefined
  }

  /**
   * Takes the lock (waiting for an older build to step down, or for a
   * holder on its way out); undefined once held, else why not. While held,
   * a newer build's claim calls `onStepDown`, and the lock is released once
   * that settles.
   */
  async acquire (onStepDown: () => Promise<void>): Promise<WriterRefusal | undefined> {
    const { locks, build } = this.#init
    if (locks === undefined) return 'writerLockUnavailable'
    this.#onStepDown = onStepDown
    const name = writerLockName(this.#init.database)
    const wait = new AbortController()
    let refusal: WriterRefusal = 'writerLockHeld'
    const patience = this.#init.patience?.() ?? AbortSignal.timeout(WRITER_PATIENCE_MS)
    if (patience.aborted) wait.abort()
    patience.addEventListener('abort', () => { wait.abort() }, { once: true })
    const channel = this.#init.channel?.(name)
    this.#channel = channel
    channel?.addEventListener('message', (event) => {
      const claim = parseClaim(event.data)
      if (claim === undefined) return
      if (!this.held) {
        // a newer build holds the lock: it will not step down for us
        if (claim.type === 'held' && claim.build > build) {
          refusal = 'newerVersionRunning'
          wait.abort()
        }
        return
      }
      if (claim.type !== 'claim') return
      if (claim.build > build) {
        void this.#stepDown()
      } else {
        channel.postMessage({ type: 'held', build } satisfies Claim)
      }
    })
    let grant!: (held: boolean) => void
    const granted = new Promise<boolean>((resolve) => { grant = resolve })
    locks.request(name, { signal: wait.signal }, async () => {
      await new Promise<void>((resolve) => {
        this.#release = resolve
        grant(true)
      })
    }).catch(() => {
      // aborted in the queue (gave up): never granted
      grant(false)
    })
    channel?.postMessage({ type: 'claim', build } satisfies Claim)
    if (await granted) return undefined
    this.close()
    return refusal
  }

  /** Releases the lock (the node stopped) and closes the channel. Idempotent. */
  close (): void {
    const release = this.#release
    this.#release = undefined
    release?.()
    this.#channel?.close()
    this.#channel = undefined
  }

  async #stepDown (): Promise<void> {
    if (this.#steppingDown) return
    this.#steppingDown = true
    try {
      await this.#onStepDown?.()
    } finally {
      this.close()
    }
  }
}
