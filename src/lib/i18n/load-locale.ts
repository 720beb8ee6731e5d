/**
 * Loads a language's strings before the UI shows it. English is in the
 * shell; Russian (ru.ts, about 20 KiB gzip) is a chunk of its own, fetched
 * once, the first time the language in use is Russian: at start for a
 * Russian browser or choice (main.ts mounts the UI after it), or when
 * Settings switches to it (lib/state/preferences.svelte.ts remounts the UI
 * after it). A chunk that cannot be loaded (offline before the service
 * worker holds it) leaves the app in English, and the next attempt fetches
 * it again.
 */
import { addRussian, type Locale, type RussianTables } from './index.ts'

/** Fetches the Russian chunk (a dynamic import; tests give their own). */
export type ImportRussian = () => Promise<{ readonly RUSSIAN: RussianTables }>

const importRussianChunk: ImportRussian = async () => import('./ru.ts')

export class LocaleLoader {
  readonly #importRussian: ImportRussian
  /** the Russian chunk being fetched or fetched; undefined before and after a failed fetch */
  #russian: Promise<void> | undefined

  constructor (importRussian: ImportRussian = importRussianChunk) {
    this.#importRussian = importRussian
  }

  /**
   * Makes `locale`'s strings available; resolves to the locale that can be
   * shown: `locale`, or 'en' when its strings could not be loaded. Never
   * rejects.
   */
  async load (locale: Locale): Promise<Locale> {
    if (locale === 'en') return 'en'
    this.#russian ??= this.#importRussian().then(({ RUSSIAN }) => { addRussian(RUSSIAN) })
    try {
      await this.#russian
      return locale
    } catch (err) {
      console.warn('parley: could not load the Russian strings; showing English', err)
      this.#russian = undefined
      return 'en'
    }
  }
}

/** The tab's loader: preferences.svelte.ts asks it for every language it puts in use. */
export const localeLoader = new LocaleLoader()
