/**
 * The composer's `@` suggestions in a group (ui/MentionPicker.svelte
 * renders them): while a mention is being typed (model/mentions.ts
 * `mentionQuery`), the members whose names fit, one of them active; the
 * keys move the active one, pick it or close the list; picking puts
 * `@Name ` in place of what was typed.
 *
 * ```ts
 * const picker = new MentionPicker(() => otherMembers)
 * picker.update(field.value, field.selectionStart)   // on input, click, caret keys
 * const next = picker.pick(picker.active, field.value, field.selectionStart)   // → { text, caret }
 * ```
 */
import { insertMention, mentionQuery, suggest, type MentionQuery } from '../model/mentions.ts'

export interface Mentionable {
  peer: string
  name: string
}

export class MentionPicker<T extends Mentionable = Mentionable> {
  readonly #people: () => readonly T[]
  #query = $state.raw<MentionQuery | undefined>(undefined)
  #active = $state(0)
  /** the text and caret the list was closed at (Escape): it stays closed until they change */
  #dismissedAt: string | undefined

  readonly #options: readonly T[] = $derived.by(() => {
    const query = this.#query
    return query === undefined ? [] : suggest(this.#people(), query.query)
  })

  /** `people`: whom a mention may name (the other members) */
  constructor (people: () => readonly T[]) {
    this.#people = people
  }

  /** The members offered now (none: the list is closed). */
  get options (): readonly T[] {
    return this.#options
  }

  /** The index of the option Enter would pick. */
  get active (): number {
    return Math.min(this.#active, Math.max(0, this.#options.length - 1))
  }

  get open (): boolean {
    return this.#options.length > 0
  }

  /** The field's text or caret changed: what is being typed at the caret now. */
  update (text: string, caret: number): void {
    if (this.#dismissedAt === `${caret}:${text}`) return
    this.#dismissedAt = undefined
    const query = mentionQuery(text, caret)
    if (query?.start !== this.#query?.start || query?.query !== this.#query?.query) this.#active = 0
    this.#query = query
  }

  /** The active option moves by `delta`, round the list. */
  move (delta: number): void {
    const count = this.#options.length
    if (count === 0) return
    this.#active = (this.active + delta + count) % count
  }

  /** The option at `index` goes into `text` (typed up to `caret`); the new text and caret, or undefined when nothing is offered. */
  pick (index: number, text: string, caret: number): { text: string, caret: number } | undefined {
    const query = this.#query
    const person = this.#options[index]
    if (query === undefined || person === undefined) return undefined
    this.#query = undefined
    return insertMention(text, query, caret, person.name)
  }

  /** Escape: closed until the text or the caret moves on. */
  dismiss (text: string, caret: number): void {
    this.#dismissedAt = `${caret}:${text}`
    this.#query = undefined
  }

  reset (): void {
    this.#query = undefined
    this.#active = 0
    this.#dismissedAt = undefined
  }
}
