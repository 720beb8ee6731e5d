/**
 * Nearby on the Add contact screen: the opt-in remembered on this device
 * (db/settings.ts; the node writes it, every tab sees it change) and, while
 * it is on and the screen is open, who is near, asked for again every
 * NEARBY_POLL_MS. Create it during the screen's initialisation: polling
 * stops with the screen, or when Nearby is turned off.
 *
 * ```ts
 * const nearby = new NearbyManager(getNodeManager())
 * await nearby.set(true)   // false when the node refused (`error` says why)
 * nearby.people            // who is near
 * ```
 */
import type { ParleyDb } from '../db/db.ts'
import { nearbyEnabled } from '../db/settings.ts'
import { handleError } from '../i18n/handle-error.ts'
import type { NearbyPerson } from '../rpc/protocol.ts'
import { getDb, live, type Live } from './live.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** While the screen is open and Nearby is on, the list is asked for again this often. */
export const NEARBY_POLL_MS = 3000

/** What Nearby needs of the node. */
export type NearbyNode = Pick<NodeManager, 'call'>

const NOBODY: readonly NearbyPerson[] = []

export class NearbyManager {
  readonly #node: NearbyNode
  readonly #on: Live<boolean>
  #people = $state.raw<readonly NearbyPerson[]>(NOBODY)
  #listed = $state(false)
  #error = $state('')
  #switching = $state(false)

  constructor (node: NearbyNode, db: ParleyDb = getDb()) {
    this.#node = node
    this.#on = live(async () => nearbyEnabled(db), false)
    // polls while the screen is open and Nearby is on; stops on teardown or when turned off
    $effect(() => {
      if (!this.#on.current) return
      return this.#poll()
    })
  }

  /** The opt-in, as stored. */
  get on (): boolean { return this.#on.current }
  /** False until the opt-in has been read. */
  get loaded (): boolean { return this.#on.loaded }
  /** Who is near now (nobody while Nearby is off). */
  get people (): readonly NearbyPerson[] { return this.#on.current ? this.#people : NOBODY }
  /** False until the first list arrived since Nearby was turned on (or the screen opened). */
  get listed (): boolean { return this.#listed }
  /** The opt-in is being changed. */
  get switching (): boolean { return this.#switching }
  /** The last failure in words ('' when none); a list that arrives clears it. */
  get error (): string { return this.#error }
  set error (text: string) { this.#error = text }

  /** Turns Nearby on or off; false when the node refused (the stored opt-in did not change). */
  async set (enabled: boolean): Promise<boolean> {
    this.#switching = true
    this.#error = ''
    try {
      await this.#node.call('setNearby', { enabled })
      return true
    } catch (err) {
      this.#error = handleError(err, 'setNearby')
      return false
    } finally {
      this.#switching = false
    }
  }

  /** Asks for the list now and every NEARBY_POLL_MS; returns what stops it. */
  #poll (): () => void {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async (): Promise<void> => {
      try {
        const { people } = await this.#node.call('listNearby', undefined, { signal: controller.signal })
        if (controller.signal.aborted) return
        this.#people = people
        this.#listed = true
        this.#error = ''
      } catch (err) {
        if (controller.signal.aborted) return
        this.#error = handleError(err, 'listNearby')
      }
      timer = setTimeout(() => { void poll() }, NEARBY_POLL_MS)
    }
    void poll()
    return () => {
      controller.abort()
      clearTimeout(timer)
      this.#listed = false
    }
  }

  /** Forgets the list and the last failure. */
  reset (): void {
    this.#people = NOBODY
    this.#listed = false
    this.#error = ''
    this.#switching = false
  }
}
