/**
 * The language a page last used, for the service worker (src/sw.ts), which
 * cannot read the page's localStorage (lib/state/preferences.svelte.ts): each
 * page writes its locale into a Cache Storage entry of its own as it applies
 * it, and the service worker reads it when it shows a push notification
 * (lib/pwa/push-notice.ts). Without one (no page has run since, or storage
 * failed) it follows the browser's languages, as a page set to 'auto' does.
 */
import type { Locale } from '../i18n/index.ts'

export const LOCALE_CACHE = 'parley-locale'
/** A same-origin URL that is never fetched: only the cache's key. */
const LOCALE_URL = '/__parley/locale'

/**
 * The locales, as lib/i18n says them (the type keeps this whole): not
 * imported from there, whose module builds every string table as it loads,
 * which the service worker would then carry.
 */
const LOCALES: Readonly<Record<Locale, true>> = { en: true, ru: true }

function isLocale (value: unknown): value is Locale {
  return typeof value === 'string' && Object.hasOwn(LOCALES, value)
}

/** lib/i18n's `detectLocale`: the first of `languages` Parley speaks ('ru-RU' counts as 'ru'), else English. */
export function detectLocale (languages: readonly string[] | undefined): Locale {
  for (const tag of languages ?? []) {
    const base = tag.toLowerCase().split('-')[0]
    if (isLocale(base)) return base
  }
  return 'en'
}

/** Keeps `locale` for the service worker. */
export async function saveLocaleForWorker (storage: CacheStorage, locale: Locale): Promise<void> {
  const cache = await storage.open(LOCALE_CACHE)
  await cache.put(LOCALE_URL, new Response(locale, { headers: { 'Content-Type': 'text/plain' } }))
}

/** The locale a page kept, else the first of `languages` Parley speaks, else English. */
export async function readLocaleForWorker (storage: CacheStorage, languages: readonly string[] | undefined): Promise<Locale> {
  try {
    if (await storage.has(LOCALE_CACHE)) {
      const kept = await (await storage.open(LOCALE_CACHE)).match(LOCALE_URL)
      const text = await kept?.text()
      if (isLocale(text)) return text
    }
  } catch {
    // storage the browser will not open: the browser's languages
  }
  return detectLocale(languages)
}
