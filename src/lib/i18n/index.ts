/**
 * English and Russian strings for every screen, error and date.
 *
 * Pure TypeScript, no Svelte: the tabs and the node's worker both use it (the
 * worker writes its errors in the tab's language: the tab tells it through
 * `NodeApi.setLocale`). Each area keeps its table in `messages/<area>.ts`;
 * a key is `<area>.<name>`:
 *
 *   t('chat.send')                        → 'Send' / 'Отправить'
 *   t('chats.unread', { count: 3 })       → '3 unread' / '3 непрочитанных'
 *   t('errors.badInvite', { reason })     → fills `{reason}`
 *
 * An area shown only on demand keeps its table out of the shell: its keys
 * are typed here (a type-only import), and the code that shows it adds the
 * table when it loads ({@link addArea}); `backup` (the backup file in
 * Settings), `devices` (Settings' linked devices) and `link` (linking a
 * device) are.
 *
 * The current locale is per JS realm. In a tab, change it through
 * `lib/state/preferences.svelte.ts` (which remounts the UI); `setLocale` here
 * only swaps the table.
 */
import * as actions from './messages/actions.ts'
import * as add from './messages/add.ts'
import * as app from './messages/app.ts'
import * as callLog from './messages/call-log.ts'
import * as calls from './messages/calls.ts'
import * as chat from './messages/chat.ts'
import * as chats from './messages/chats.ts'
import * as common from './messages/common.ts'
import * as contacts from './messages/contacts.ts'
import * as copies from './messages/copies.ts'
import * as errors from './messages/errors.ts'
import * as files from './messages/files.ts'
import * as groups from './messages/groups.ts'
import * as invite from './messages/invite.ts'
import * as message from './messages/message.ts'
import * as network from './messages/network.ts'
import * as notices from './messages/notices.ts'
import * as onboarding from './messages/onboarding.ts'
import * as presence from './messages/presence.ts'
import * as pwa from './messages/pwa.ts'
import * as search from './messages/search.ts'
import * as settings from './messages/settings.ts'
import * as share from './messages/share.ts'
import * as voice from './messages/voice.ts'
import type { Entry } from './table.ts'
import type * as backup from './messages/backup.ts'
import type * as devices from './messages/devices.ts'
import type * as link from './messages/link.ts'

const AREAS = {
  actions, add, app, callLog, calls, chat, chats, common, contacts, copies, errors, files, groups, invite, message, network, notices, onboarding, presence, pwa, search, settings, share, voice
} as const

/** Areas whose tables load with the code that shows them (see {@link addArea}). */
interface LazyAreas { backup: typeof backup, devices: typeof devices, link: typeof link }

type Areas = typeof AREAS & LazyAreas

/** Every string's key: `<area>.<name>`. */
export type MessageKey = {
  [A in keyof Areas]: `${A & string}.${keyof Areas[A]['en'] & string}`
}[keyof Areas]

/** Values for `{placeholders}`; `count` also picks the plural form. */
export type MessageParams = Readonly<Record<string, string | number>>

export const LOCALES = ['en', 'ru'] as const
export type Locale = typeof LOCALES[number]

/** Each language's name in itself, for the language picker. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { en: 'English', ru: 'Русский' }

export function isLocale (value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

type AreaModule = Readonly<Record<Locale, unknown>>

function addTo (table: Map<string, Entry>, area: string, module: AreaModule, locale: Locale): void {
  for (const [name, entry] of Object.entries(module[locale] as Readonly<Record<string, Entry>>)) {
    table.set(`${area}.${name}`, entry)
  }
}

function flatten (locale: Locale): Map<string, Entry> {
  const table = new Map<string, Entry>()
  for (const [area, module] of Object.entries(AREAS)) addTo(table, area, module, locale)
  return table
}

const TABLES: Readonly<Record<Locale, Map<string, Entry>>> = { en: flatten('en'), ru: flatten('ru') }

/**
 * Adds an area loaded on demand: its module calls this as it loads, before
 * anything shows its strings (until then `t` answers such a key with the key
 * itself). Adding it again changes nothing.
 */
export function addArea<A extends keyof LazyAreas> (area: A, module: LazyAreas[A]): void {
  for (const locale of LOCALES) addTo(TABLES[locale], area, module, locale)
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

let current: Locale = detectLocale()
const pluralRules = new Map<Locale, Intl.PluralRules>()
const listeners = new Set<(locale: Locale) => void>()

export function getLocale (): Locale {
  return current
}

/** Switches this realm's strings (and date formats); listeners hear of a change. */
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
