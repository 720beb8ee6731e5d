/**
 * Shapes of the string tables (one module per area under `messages/`).
 *
 * A string may hold `{name}` placeholders, filled from `t(key, params)`.
 * A plural string is an object of CLDR plural forms chosen by the `count`
 * param (Intl.PluralRules): English needs `one` and `other`; Russian needs
 * `one` (1, 21, 31…), `few` (2–4, 22–24…), `many` (0, 5–20, 25…) and `other`
 * (fractions).
 */

export interface EnPlural {
  one: string
  other: string
}

export interface RuPlural {
  one: string
  few: string
  many: string
  other: string
}

export type EnEntry = string | EnPlural

/** An area's English table: the source of truth for its keys. */
export type EnTable = Record<string, EnEntry>

/** The Russian table of an area: every English key, plural where English is plural. */
export type RuTable<T extends EnTable> = {
  readonly [K in keyof T]: T[K] extends string ? string : RuPlural
}

/** Any locale's entry, as `t()` reads it. */
export type Entry = string | Partial<Record<Intl.LDMLPluralRule, string>>
