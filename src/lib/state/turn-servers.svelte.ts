/**
 * Settings' "Connection help": the user's TURN servers (db/turn-servers.ts),
 * read live, and the form that adds one. A new server is checked here first
 * (the node checks again), so each problem shows next to its field and
 * nothing is sent; adding and removing go through the node.
 *
 * ```ts
 * const turn = new TurnServerList(getNodeManager())
 * turn.url = 'turn:turn.example.org:3478'
 * const invalid = await turn.add()   // the first field with a problem, to focus
 * ```
 */
import type { ParleyDb } from '../db/db.ts'
import { listTurnServers, MAX_TURN_SERVERS, turnServerProblems, type TurnServerProblems } from '../db/turn-servers.ts'
import type { TurnServerRow } from '../db/types.ts'
import { handleError } from '../i18n/handle-error.ts'
import { t } from '../i18n/index.ts'
import '../i18n/settings.ts'
import { getDb, live, type Live } from './live.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** What the list needs of the node. */
export type TurnNode = Pick<NodeManager, 'call'>

/** The form's fields, in the order a problem is looked for. */
export type TurnField = 'url' | 'username' | 'credential'

/** The last add or remove: a sentence from `t()` with the server's `{url}` left to the screen's Template. */
export interface TurnOutcome {
  text: string
  url: string
}

const NO_OUTCOME: TurnOutcome = { text: '', url: '' }

export class TurnServerList {
  /** Most servers a user keeps. */
  readonly max = MAX_TURN_SERVERS
  readonly #node: TurnNode
  readonly #rows: Live<TurnServerRow[]>
  #url = $state('')
  #username = $state('')
  #credential = $state('')
  #problems = $state.raw<TurnServerProblems>({})
  #error = $state('')
  #done = $state.raw<TurnOutcome>(NO_OUTCOME)
  #busy = $state(false)

  /** Call during a component's initialisation: the list follows the database while it lives. */
  constructor (node: TurnNode, db: ParleyDb = getDb()) {
    this.#node = node
    this.#rows = live(async () => listTurnServers(db), [])
  }

  get rows (): readonly TurnServerRow[] { return this.#rows.current }
  /** False until the list has been read once. */
  get loaded (): boolean { return this.#rows.loaded }
  /** No more can be added. */
  get full (): boolean { return this.#rows.current.length >= MAX_TURN_SERVERS }

  get url (): string { return this.#url }
  set url (text: string) { this.#url = text }
  get username (): string { return this.#username }
  set username (text: string) { this.#username = text }
  get credential (): string { return this.#credential }
  set credential (text: string) { this.#credential = text }

  /** What is wrong with each field, as the last Add found it. */
  get problems (): TurnServerProblems { return this.#problems }
  /** Why the last add or remove failed, in words; '' for none. */
  get error (): string { return this.#error }
  /** What the last add or remove did. */
  get done (): TurnOutcome { return this.#done }
  /** An add or remove is on its way. */
  get busy (): boolean { return this.#busy }

  /**
   * Adds the server in the form, checked first: returns the first field
   * with a problem (nothing is sent then), else undefined once it is done
   * (the form is cleared) or has failed (`error`).
   */
  async add (): Promise<TurnField | undefined> {
    if (this.#busy) return undefined
    this.#done = NO_OUTCOME
    this.#error = ''
    const server = { url: this.#url.trim(), username: this.#username, credential: this.#credential }
    const problems = turnServerProblems(server)
    this.#problems = problems
    const invalid = (['url', 'username', 'credential'] as const).find(field => problems[field] !== undefined)
    if (invalid !== undefined) return invalid
    this.#busy = true
    try {
      await this.#node.call('addTurnServer', server)
      this.#url = ''
      this.#username = ''
      this.#credential = ''
      this.#done = { text: t('settings.turnAdded'), url: server.url }
    } catch (err) {
      this.#error = handleError(err, 'addTurnServer')
    } finally {
      this.#busy = false
    }
    return undefined
  }

  async remove (row: TurnServerRow): Promise<void> {
    if (this.#busy) return
    this.#done = NO_OUTCOME
    this.#error = ''
    this.#busy = true
    try {
      await this.#node.call('removeTurnServer', { id: row.id })
      this.#done = { text: t('settings.turnRemoved'), url: row.url }
    } catch (err) {
      this.#error = handleError(err, 'removeTurnServer')
    } finally {
      this.#busy = false
    }
  }

  /** Empties the form and forgets the last outcome. */
  reset (): void {
    this.#url = ''
    this.#username = ''
    this.#credential = ''
    this.#problems = {}
    this.#error = ''
    this.#done = NO_OUTCOME
    this.#busy = false
  }
}
