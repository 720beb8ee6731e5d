/**
 * Adding someone, whichever way they came (a link opened, text pasted, a QR
 * code scanned, a person nearby): first the node reads the invite and says
 * who it names and how they stand with us (`previewInvite`, which changes
 * nothing); the screen shows that as "Add <name>?"; only the user's
 * confirmation adds them and sends the request (`addContact`, `addNearby`).
 *
 * ```ts
 * const adding = new AddContactManager(getNodeManager())
 * await adding.preview(text)        // adding.candidate: the card, or adding.error
 * const contactId = await adding.confirm()  // then open that chat
 * ```
 */
import type { InvitePreview, NearbyPerson } from '../contract/index.ts'
import type { ContactId } from '../db/types.ts'
import { handleError } from '../i18n/handle-error.ts'
import { addAction, type AddAction } from '../model/add-action.ts'
import type { NodeManager } from './node-manager.svelte.ts'

export { addAction, type AddAction }

/** What the card is about: an invite's text, or a person Nearby lists. */
export type AddCandidate =
  | { via: 'invite', text: string, preview: InvitePreview }
  | { via: 'nearby', person: NearbyPerson, preview: InvitePreview }

/** The name the card shows: the invite's, else Nearby's, else the one we know them by (undefined: none at all). */
export function candidateName (candidate: AddCandidate): string | undefined {
  if (candidate.via === 'nearby') return candidate.person.name
  return candidate.preview.name ?? candidate.preview.contact?.name
}

export class AddContactManager {
  readonly #node: Pick<NodeManager, 'call'>
  #candidate = $state.raw<AddCandidate | undefined>(undefined)
  #error = $state('')
  #busy = $state(false)
  /** bumped by every new preview and reset(): an answer for an older one is dropped */
  #generation = 0

  constructor (node: Pick<NodeManager, 'call'>) {
    this.#node = node
  }

  /** who the card asks about; undefined while there is none */
  get candidate (): AddCandidate | undefined { return this.#candidate }
  /** the last failure in words ('' when none) */
  get error (): string { return this.#error }
  /** a preview or a confirmation is under way */
  get busy (): boolean { return this.#busy }

  /** Reads an invite (link, pasted text, scanned code); on success the card shows it, else `error` says why. */
  async preview (text: string): Promise<void> {
    await this.#ask(async () => {
      const preview = await this.#node.call('previewInvite', { invite: text })
      return { via: 'invite', text, preview }
    }, 'previewInvite')
  }

  /** The card for a person Nearby lists (their PeerID read as an invite, for how they stand with us). */
  async previewNearby (person: NearbyPerson): Promise<void> {
    await this.#ask(async () => {
      const preview = await this.#node.call('previewInvite', { invite: person.peerId })
      return { via: 'nearby', person, preview }
    }, 'previewNearby')
  }

  /**
   * Does what the card offers: sends the request (or accepts theirs) and
   * returns the contact's id, so the screen opens the chat; for a contact
   * already accepted, only returns its id. Undefined when it failed (`error`
   * says why), for a blocked contact, or when the card went away meanwhile.
   */
  async confirm (): Promise<ContactId | undefined> {
    const candidate = this.#candidate
    if (candidate === undefined || this.#busy) return undefined
    const action = addAction(candidate.preview)
    if (action === 'blocked') return undefined
    if (action === 'open' && candidate.preview.contact !== undefined) return candidate.preview.contact.contactId
    const generation = this.#generation
    this.#busy = true
    this.#error = ''
    try {
      const { contactId } = candidate.via === 'invite'
        ? await this.#node.call('addContact', { invite: candidate.text })
        : await this.#node.call('addNearby', { peerId: candidate.person.peerId })
      return generation === this.#generation ? contactId : undefined
    } catch (err) {
      if (generation === this.#generation) this.#error = handleError(err, candidate.via === 'invite' ? 'addContact' : 'addNearby')
      return undefined
    } finally {
      if (generation === this.#generation) this.#busy = false
    }
  }

  /** Puts the card away; nothing was sent. */
  cancel (): void {
    this.reset()
  }

  reset (): void {
    this.#generation++
    this.#candidate = undefined
    this.#error = ''
    this.#busy = false
  }

  async #ask (read: () => Promise<AddCandidate>, what: string): Promise<void> {
    const generation = ++this.#generation
    this.#busy = true
    this.#error = ''
    this.#candidate = undefined
    try {
      const candidate = await read()
      if (generation === this.#generation) this.#candidate = candidate
    } catch (err) {
      if (generation === this.#generation) this.#error = handleError(err, what)
    } finally {
      if (generation === this.#generation) this.#busy = false
    }
  }
}
