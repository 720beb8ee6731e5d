/**
 * Group messages that came before their group did (from a mailbox, in the
 * relay's order: a member's message can be read before the invitation that
 * brings us the group), kept until the group comes. At most `max` in all;
 * the oldest is dropped first.
 */

/** One message waiting: who handed it over, the signed message, and its file's key when a box carried one. */
export interface WaitingMessage {
  from: string
  signed: { body: string, sig: string }
  key?: Uint8Array
}

export class WaitingMessages {
  /** group → its messages, in the order they came */
  readonly #byGroup = new Map<string, WaitingMessage[]>()
  #count = 0

  constructor (private readonly max: number) {}

  get size (): number {
    return this.#count
  }

  add (group: string, message: WaitingMessage): void {
    if (this.#count >= this.max) {
      const [oldest, list] = this.#byGroup.entries().next().value ?? []
      if (oldest !== undefined && list !== undefined) {
        list.shift()
        this.#count--
        if (list.length === 0) this.#byGroup.delete(oldest)
      }
    }
    const list = this.#byGroup.get(group) ?? []
    list.push(message)
    this.#byGroup.set(group, list)
    this.#count++
  }

  /** The group's messages, in the order they came; they wait no longer. */
  take (group: string): WaitingMessage[] {
    const list = this.#byGroup.get(group) ?? []
    this.#byGroup.delete(group)
    this.#count -= list.length
    return list
  }

  clear (): void {
    this.#byGroup.clear()
    this.#count = 0
  }
}
