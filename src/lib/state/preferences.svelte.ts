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
 * every `t()` call re-runs; the node's worker is told by the node manager,
 * the service worker through Cache Storage (lib/pwa/sw-locale.ts).
 */
import { detectLocale, isLocale, setLocale, type Locale } from '../i18n/index.ts'
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
  readonly #locale: Locale = $derived(resolveLocale(this.#language))

  constructor () {
    this.#apply()
    if (typeof window !== 'undefined') {
      // another tab changed a preference: follow it
      window.addEventListener('storage', (event) => {
        if (event.key === LANGUAGE_KEY) this.#language = parseLanguage(event.newValue)
        if (event.key === THEME_KEY) this.#theme = parseTheme(event.newValue)
        this.#apply()
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

  /** The language in use. */
  get locale (): Locale {
    return this.#locale
  }

  setLanguage (choice: LanguageChoice): void {
    this.#language = choice
    writeLocal(LANGUAGE_KEY, choice)
    this.#apply()
  }

  setTheme (choice: ThemeChoice): void {
    this.#theme = choice
    writeLocal(THEME_KEY, choice)
    this.#apply()
  }

  /** Forgets the choices held here and reads them again from localStorage (tests). */
  reset (): void {
    this.#language = parseLanguage(readLocal(LANGUAGE_KEY))
    this.#theme = parseTheme(readLocal(THEME_KEY))
    this.#apply()
  }

  #apply (): void {
    const locale = resolveLocale(this.#language)
    setLocale(locale)
    // the service worker's push notification speaks it too (it cannot read localStorage)
    if (typeof caches !== 'undefined') {
      saveLocaleForWorker(caches, locale).catch((err: unknown) => { console.warn('parley: could not keep the language for the service worker', err) })
    }
    if (typeof document === 'undefined') return
    const root = document.documentElement
    root.lang = locale
    if (this.#theme === 'system') {
      delete root.dataset['theme']
    } else {
      root.dataset['theme'] = this.#theme
    }
  }
}

/** The tab's preferences: read `language`, `theme`, `locale`; change with the setters. */
export const preferences = new Preferences()
