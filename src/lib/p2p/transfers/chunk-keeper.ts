import { GroupCommit } from './group-commit.ts'

export interface ChunkKeeperInit {
  /** Stores one verified chunk; durable when it resolves. */
  write(index: number, data: Uint8Array): Promise<void>
  /** Records chunks whose bytes are durable, several in one go (one database transaction). */
  record(indices: number[]): Promise<void>
  /** Chunk writes under way at once, at most (they also bound the chunk bytes held). */
  parallel: number
  /** Least time between two records, in ms: each is a database write that every open tab re-reads. */
  recordIntervalMs: number
  /** Chunks written but not yet recorded, at most (then keep() waits for a record). */
  maxUnrecorded: number
}

/**
 * The receiver's storage of verified chunks for one pull: writes overlap (at
 * most `parallel`), and the chunks whose bytes are durable are recorded in
 * group commits at most every `recordIntervalMs`, so that a fast transfer
 * makes a few progress writes a second rather than one per chunk. A chunk
 * stored but not yet recorded when the pull stops is simply fetched again on
 * resume. The first failure of a write or a record is thrown by the next
 * keep() and by settle().
 */
export class ChunkKeeper {
  readonly #init: ChunkKeeperInit
  readonly #records: GroupCommit<number>
  /** writes in flight, oldest first */
  readonly #writes: Array<Promise<void>> = []
  /** chunks written or being written whose record is not done */
  readonly #unrecorded = new Set<Promise<void>>()
  #failure: { error: unknown } | undefined

  constructor (init: ChunkKeeperInit) {
    this.#init = init
    this.#records = new GroupCommit(async (indices: number[]) => { await init.record(indices) }, { minIntervalMs: init.recordIntervalMs })
  }

  /**
   * Starts storing chunk `index` (and recording it once stored); resolves
   * when fewer than `parallel` writes and `maxUnrecorded` records are pending.
   */
  async keep (index: number, data: Uint8Array): Promise<void> {
    this.#throwIfFailed()
    const written = this.#init.write(index, data)
    const recorded = written.then(async () => { await this.#records.add(index) })
    written.catch(() => {}) // awaited below, or in settle()
    this.#unrecorded.add(recorded)
    recorded.then(
      () => { this.#unrecorded.delete(recorded) },
      (error: unknown) => {
        this.#unrecorded.delete(recorded)
        this.#failure ??= { error }
      }
    )
    this.#writes.push(written)
    if (this.#writes.length >= this.#init.parallel) await this.#writes.shift()
    while (this.#unrecorded.size >= this.#init.maxUnrecorded) await Promise.race(this.#unrecorded).catch(() => {})
    this.#throwIfFailed()
  }

  /**
   * Waits until every chunk kept so far is stored and recorded (the last
   * record goes at once, not after the interval); throws the first failure.
   */
  async settle (): Promise<void> {
    await Promise.all(this.#writes.splice(0))
    // every write has resolved, so each of its chunks has been handed to the records by now
    this.#records.hurry()
    await Promise.allSettled([...this.#unrecorded])
    this.#throwIfFailed()
  }

  #throwIfFailed (): void {
    if (this.#failure !== undefined) throw this.#failure.error
  }
}
