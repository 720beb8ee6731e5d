/**
 * The relay's parts in one order: started first to last, stopped last to
 * first, as js-libp2p runs its components (each a `Startable`: `start`,
 * `stop`, and optionally `beforeStop` and `afterStop`, each run across all
 * the parts before the next). A start that fails part-way stops what had
 * started, in that same order; `stop()` afterwards has nothing left to do.
 * A part whose own start threw cleans up after itself (libp2p does), so it
 * is not stopped.
 */
import type { Startable } from '@libp2p/interface'
import type { Logger } from './log.ts'

/** One part of the relay and the name its debug lines give it. */
export interface Part {
  readonly name: string
  readonly part: Startable
}

export class Lifecycle {
  readonly #parts: readonly Part[]
  readonly #log: Logger
  /** the parts started, in start order */
  #running: Part[] = []

  constructor (parts: readonly Part[], log: Logger) {
    this.#parts = parts
    this.#log = log
  }

  /** Starts every part in order; when one throws, stops those started (see {@link stop}) and rethrows. */
  async start (): Promise<void> {
    for (const entry of this.#parts) {
      try {
        await entry.part.start()
      } catch (err) {
        try {
          await this.stop()
        } catch (teardown) {
          this.#log.error('could not stop everything after a failed start', { error: teardown })
        }
        throw err
      }
      this.#running.push(entry)
      this.#log.debug('started', { part: entry.name })
    }
  }

  /**
   * Stops the started parts, last started first: every `beforeStop`, then
   * every `stop`, then every `afterStop`. A part that throws does not keep
   * the others running: they stop too, and the first error is thrown after.
   */
  async stop (): Promise<void> {
    const running = this.#running.splice(0).reverse()
    const errors: unknown[] = []
    const each = async (step: 'beforeStop' | 'stop' | 'afterStop'): Promise<void> => {
      for (const { name, part } of running) {
        const run = part[step]
        if (run === undefined) continue
        try {
          await run.call(part)
        } catch (err) {
          errors.push(err)
        }
        this.#log.debug(step === 'stop' ? 'stopped' : step, { part: name })
      }
    }
    await each('beforeStop')
    await each('stop')
    await each('afterStop')
    if (errors.length > 0) throw errors[0]
  }
}
