/**
 * English and Russian strings for every screen, error and date.
 *
 * Pure TypeScript, no Svelte: the tab's (the node's worker speaks error
 * codes, which the tab words: error-text.ts). Each area keeps its English
 * in `messages/<area>.ts` and its Russian in `messages/ru/<area>.ts`; a key
 * is `<area>.<name>`:
 *
 *   t('chat.send')                        → 'Send' / 'Отправить'
 *   t('chats.unread', { count: 3 })       → '3 unread' / '3 непрочитанных'
 *   t('errors.badInvite', { reason })     → fills `{reason}`
 *
 * An area shown only on demand keeps its table out of the shell: its keys
 * are typed here (a type-only import), and the code that shows it adds the
 * table when it loads ({@link addArea}); `settings` (the Settings screen),
 * `backup` (the backup file in
 * Settings), `devices` (Settings' linked devices), `export` (exporting a chat), `link` (linking a
 * device), `push` (Settings' "When Parley is closed") and `release`
 * (releases: refusals, Settings → About) are.
 *
 * The shell carries English only: the Russian of its areas is one chunk
 * (ru.ts) that loads when the language in use is Russian (load-locale.ts),
 * before the UI is mounted or remounted in it.
 *
 * The current locale is per JS realm. In a tab, change it through
 * `lib/state/preferences.svelte.ts` (which loads the strings and remounts the
 * UI); `setLocale` here only swaps the table.
 */
import { en as actions } from './messages/actions.ts'
import { en as add } from './messages/add.ts'
import { en as app } from './messages/app.ts'
import { en as callLog } from './messages/call-log.ts'
import { en as calls } from './messages/calls.ts'
import { en as chat } from './messages/chat.ts'
import { en as chats } from './messages/chats.ts'
import { en as common } from './messages/common.ts'
import { en as contacts } from './messages/contacts.ts'
import { en as copies } from './messages/copies.ts'
import { en as errors } from './messages/errors.ts'
import { en as files } from './messages/files.ts'
import { en as groups } from './messages/groups.ts'
import { en as invite } from './messages/invite.ts'
import { en as message } from './messages/message.ts'
import { en as network } from './messages/network.ts'
import { en as notices } from './messages/notices.ts'
import { en as onboarding } from './messages/onboarding.ts'
import { en as presence } from './messages/presence.ts'
import { en as pwa } from './messages/pwa.ts'
import { en as search } from './messages/search.ts'
import { en as share } from './messages/share.ts'
import { en as voice } from './messages/voice.ts'
import type { Entry, RuTable } from './table.ts'
import type * as backup from './messages/backup.ts'
import type * as devices from './messages/devices.ts'
import type * as exportChat from './messages/export.ts'
import type * as link from './messages/link.ts'
import type * as push from './messages/push.ts'
import type * as release from './messages/release.ts'
import type * as settings from './messages/settings.ts'

const AREAS = {
  actions, add, app, callLog, calls, chat, chats, common, contacts, copies, errors, files, groups, invite, message, network, notices, onboarding, presence, pwa, search, share, voice
} as const

/** Areas whose tables load with the code that shows them (see {@link addArea}). */
interface LazyAreas { backup: typeof backup, devices: typeof devices, export: typeof exportChat, link: typeof link, push: typeof push, release: typeof release, settings: typeof settings }

/** The English tables of the shell's areas and those loaded on demand, by area. */
type EnglishAreas = typeof AREAS & { [A in keyof LazyAreas]: LazyAreas[A]['en'] }

/** Every string's key: `<area>.<name>`. */
export type MessageKey = {
  [A in keyof EnglishAreas]: `${A & string}.${keyof EnglishAreas[A] & string}`
}[keyof EnglishAreas]

/** The Russian of every area in the shell (ru.ts), loaded on demand (load-locale.ts). */
export type RussianTables = { readonly [A in keyof typeof AREAS]: RuTable<typeof AREAS[A]> }

/** Values for `{placeholders}`; `count` also picks the plural form. */
export type MessageParams = Readonly<Record<string, string | number>>

export const LOCALES = ['en', 'ru'] as const
export type Locale = typeof LOCALES[number]

/** Each language's name in itself, for the language picker. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', ru: 'Русский' }

export function isLocale (value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

type AreaTables = Readonly<Record<string, Readonly<Record<string, Entry>>>>

function addTo (table: Map<string, Entry>, areas: AreaTables): void {
  for (const [area, strings] of Object.entries(areas)) {
    for (const [name, entry] of Object.entries(strings)) table.set(`${area}.${name}`, entry)
  }
}

/** English from the start; Russian once its chunk is added ({@link addRussian}), and the lazy areas' as they load. */
const TABLES: Readonly<Record<Locale, Map<string, Entry>>> = { en: new Map(), ru: new Map() }
addTo(TABLES.en, AREAS)
let russianAdded = false

/**
 * Adds an area loaded on demand, in both languages: its module calls this as
 * it loads, before anything shows its strings (until then `t` answers such a
 * key with the key itself). Adding it again changes nothing.
 */
export function addArea<A extends keyof LazyAreas> (area: A, module: LazyAreas[A]): void {
  for (const locale of LOCALES) addTo(TABLES[locale], { [area]: module[locale] })
}

/** Adds the Russian of the shell's areas (ru.ts, through load-locale.ts). Adding it again changes nothing. */
export function addRussian (tables: RussianTables): void {
  addTo(TABLES.ru, tables)
  russianAdded = true
}

/** Whether `locale`'s strings are here (English always; Russian once added): `setLocale` to one that is not shows English. */
export function hasLocale (locale: Locale): boolean {
  return locale === 'en' || russianAdded
}

/**
 * The first of the user's preferred languages (`navigator.languages`, most
 * preferred first; 'ru-RU' counts as 'ru') that Parley speaks, else English.
 */
export function detectLocale (languages: readonly string[] | undefined = globalThis.navigator?.languages): Locale {
  for (const tag of languages ?? []) {
    const base = tag.toLowerCase().split('-')[0]
    if (isLocale(base)) return base
  }
  return 'en'
}

/** English until a Russian user's strings have loaded (lib/state/preferences.svelte.ts sets it then). */
let current: Locale = 'en'
const pluralRules = new Map<Locale, Intl.PluralRules>()
const listeners = new Set<(locale: Locale) => void>()

export function getLocale (): Locale {
  return current
}

/**
 * Switches this realm's strings (and date formats); listeners hear of a
 * change. Russian needs its strings added first (load-locale.ts): without
 * them every string shows in English.
 */
export function setLocale (locale: Locale): void {
  if (locale === current) return
  current = locale
  for (const listener of listeners) listener(locale)
}

/** Calls `listener` after every locale change; returns the unsubscribe function. */
export function onLocaleChange (listener: (locale: Locale) => void): () => void {
  listeners.add(listener)
  return () => { listeners.delete(listener) }
}

function pluralRule (locale: Locale, count: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(locale)
  if (rules === undefined) {
    rules = new Intl.PluralRules(locale)
    pluralRules.set(locale, rules)
  }
  return rules.select(count)
}

/**
 * `{name}`, or `{name:kind}` where the words say how a value is shown (an
 * error's `{size:bytes}`, `{problem:code}`, `{count:count}`: lib/i18n/error-text.ts).
 */
const PLACEHOLDER = /\{(\w+)(?::\w+)?\}/g

function fill (text: string, params: MessageParams | undefined): string {
  if (params === undefined) return text
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = params[name]
    if (value === undefined) return whole
    return typeof value === 'number' ? formatNumber(value) : value
  })
}

/** A number in the current locale's digits grouping ('100,000' / '100 000'). */
export function formatNumber (value: number): string {
  return value.toLocaleString(current)
}

/** The string `key` in the current locale (`locale` to override), placeholders filled. */
export function t (key: MessageKey, params?: MessageParams, locale: Locale = current): string {
  const entry = TABLES[locale].get(key) ?? TABLES.en.get(key)
  if (entry === undefined) return key
  if (typeof entry === 'string') return fill(entry, params)
  const count = typeof params?.['count'] === 'number' ? params['count'] : 0
  const text = entry[pluralRule(locale, count)] ?? entry.other ?? ''
  return fill(text, params)
}

/** The raw entry of `key` (a string or its plural forms), placeholders unfilled; undefined for no such key. */
export function entryOf (key: string, locale: Locale = current): Entry | undefined {
  return TABLES[locale].get(key) ?? TABLES.en.get(key)
}

/** Every English string with its key (the e2e check that a Russian screen has none left); areas loaded on demand once added. */
export function englishStrings (): ReadonlyMap<string, Entry> {
  return TABLES.en
}
