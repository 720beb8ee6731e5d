/**
 * Holds the state writes of the boxes a `Sessions` opens: each commit writes,
 * then waits at a gate until the test lets it go. For tests of what a
 * listener answers before and after its write (chat and group boxes).
 *
 * ```ts
 * const gate = new CommitGate(bob.sessions)
 * const answer = bob.boxes.receive(…)   // opens, stores, commits: held
 * await gate.reached                     // the write is done, the commit waits
 * gate.release()                         // and goes on; gate.close() for the next
 * ```
 */
import { vi } from 'vitest'
import type { OpenedBox } from '../../src/lib/p2p/kernel/ports/sessions.ts'
import type { Sessions } from '../../src/lib/p2p/sessions/sessions.ts'

export class CommitGate {
  #release = (): void => {}
  #gate = Promise.resolve()
  #reached = Promise.withResolvers<void>()

  constructor (sessions: Sessions) {
    this.close()
    const open = sessions.open.bind(sessions)
    vi.spyOn(sessions, 'open').mockImplementation(async (from, box) => {
      const opened: OpenedBox = await open(from, box)
      return { ...opened, commit: async () => { const waited = this.#gate; await opened.commit(); this.#reached.resolve(); await waited } }
    })
  }

  /** Resolves once a commit has written and waits at the gate. */
  get reached (): Promise<void> {
    return this.#reached.promise
  }

  /** Lets the commits waiting at the gate go on. */
  release (): void {
    this.#release()
  }

  /** A new gate, shut, for the commits that come next. */
  close (): void {
    this.#gate = new Promise<void>((resolve) => { this.#release = resolve })
    this.#reached = Promise.withResolvers<void>()
  }
}
