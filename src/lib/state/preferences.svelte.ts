/**
 * This browser's display preferences: language and theme. Kept in
 * localStorage (read synchronously before the first paint, so the app never
 * flashes the wrong language or colours), shared by the tabs of this origin.
 * They are not part of the identity and stay out of backups.
 *
 * - language: 'auto' follows the browser (`navigator.languages`), else 'en' / 'ru'.
 * - theme: 'system' follows `prefers-color-scheme`, else 'light' / 'dark'
 *   (set as `data-theme` on <html>; app.css holds both palettes).
 *
 * Changing the language remounts the UI (Root.svelte keys on `locale`), so
 * every `t()` call re-runs; the service worker is told through Cache Storage
 * (lib/pwa/sw-locale.ts). A language whose strings are not in the shell
 * (Russian) is put in use once they have loaded (lib/i18n/load-locale.ts):
 * `locale` changes then, never to a language without its strings, and main.ts
 * mounts the UI after `ready`.
 */
import { detectLocale, getLocale, isLocale, setLocale, type Locale } from '../i18n/index.ts'
import { localeLoader } from '../i18n/load-locale.ts'
import { readLocal, writeLocal } from './local-store.ts'
import { saveLocaleForWorker } from '../pwa/sw-locale.ts'

export const LANGUAGE_CHOICES = ['auto', 'en', 'ru'] as const
export type LanguageChoice = typeof LANGUAGE_CHOICES[number]
export const THEME_CHOICES = ['system', 'light', 'dark'] as const
export type ThemeChoice = typeof THEME_CHOICES[number]

const LANGUAGE_KEY = 'parley.language'
const THEME_KEY = 'parley.theme'

export function parseLanguage (value: string | null): LanguageChoice {
  return value === 'en' || value === 'ru' ? value : 'auto'
}

export function parseTheme (value: string | null): ThemeChoice {
  return value === 'light' || value === 'dark' ? value : 'system'
}

/** The locale a language choice means in this browser. */
export function resolveLocale (choice: LanguageChoice, languages?: readonly string[]): Locale {
  return isLocale(choice) ? choice : detectLocale(languages)
}

class Preferences {
  #language = $state<LanguageChoice>(parseLanguage(readLocal(LANGUAGE_KEY)))
  #theme = $state<ThemeChoice>(parseTheme(readLocal(THEME_KEY)))
  /** the language in use: the chosen one once its strings are in (English while they load, or if they cannot) */
  #locale = $state<Locale>(getLocale())
  /** counts language changes: a change whose strings load after a later one's gives way to it */
  #languageTurn = 0
  /** Settles when the language chosen at start is in use (its strings loaded): main.ts mounts the UI then. */
  readonly ready: Promise<void>

  constructor () {
    this.#applyTheme()
    this.ready = this.#applyLanguage()
    if (typeof window !== 'undefined') {
      // another tab changed a preference: follow it
      window.addEventListener('storage', (event) => {
        if (event.key === LANGUAGE_KEY) {
          this.#language = parseLanguage(event.newValue)
          void this.#applyLanguage()
        }
        if (event.key === THEME_KEY) {
          this.#theme = parseTheme(event.newValue)
          this.#applyTheme()
        }
      })
    }
  }

  /** The language the user chose ('auto': the browser's). */
  get language (): LanguageChoice {
    return this.#language
  }

  /** The colours the user chose ('system': the system's palette). */
  get theme (): ThemeChoice {
    return this.#theme
  }

  /** The language in use: the chosen one once its strings have loaded. */
  get locale (): Locale {
    return this.#locale
  }

  /** Keeps the choice; settles when its language is in use (or English stays, if its strings cannot load). */
  async setLanguage (choice: LanguageChoice): Promise<void> {
    this.#language = choice
    writeLocal(LANGUAGE_KEY, choice)
    await this.#applyLanguage()
  }

  setTheme (choice: ThemeChoice): void {
    this.#theme = choice
    writeLocal(THEME_KEY, choice)
    this.#applyTheme()
  }

  /** Forgets the choices held here and reads them again from localStorage (tests); settles as setLanguage does. */
  async reset (): Promise<void> {
    this.#language = parseLanguage(readLocal(LANGUAGE_KEY))
    this.#theme = parseTheme(readLocal(THEME_KEY))
    this.#applyTheme()
    await this.#applyLanguage()
  }

  async #applyLanguage (): Promise<void> {
    const turn = ++this.#languageTurn
    const locale = await localeLoader.load(resolveLocale(this.#language))
    if (turn !== this.#languageTurn) return
    setLocale(locale)
    this.#locale = locale
    // the service worker's push notification speaks it too (it cannot read localStorage)
    if (typeof caches !== 'undefined') {
      saveLocaleForWorker(caches, locale).catch((err: unknown) => { console.warn('parley: could not keep the language for the service worker', err) })
    }
    if (typeof document !== 'undefined') document.documentElement.lang = locale
  }

  #applyTheme (): void {
    if (typeof document === 'undefined') return
    const root = document.documentElement
    if (this.#theme === 'system') {
      delete root.dataset['theme']
    } else {
      root.dataset['theme'] = this.#theme
    }
  }
}

/** The tab's preferences: read `language`, `theme`, `locale`; change with the setters. */
export const preferences = new Preferences()
