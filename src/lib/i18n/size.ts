/**
 * Byte counts in words, for the UI and for error messages (1024-based units),
 * in the current language (lib/i18n): "1.5 KiB" / "1,5 КиБ".
 */
import { getLocale, t } from './index.ts'
import type { MessageKey } from './index.ts'

const UNITS = ['errors.sizeB', 'errors.sizeKiB', 'errors.sizeMiB', 'errors.sizeGiB', 'errors.sizeTiB'] as const satisfies readonly MessageKey[]
const UNIT_BYTES = 1024

/** "0 B", "512 B", "1.5 KiB", "12 KiB", "3.2 GiB": one decimal below 10 units, none above (no digit grouping). */
export function formatBytes (bytes: number): string {
  const n = Number.isFinite(bytes) && bytes > 0 ? bytes : 0
  if (n < UNIT_BYTES) return inUnit(Math.round(n), 0)
  let unit = 0
  let value = n
  while (value >= UNIT_BYTES && unit < UNITS.length - 1) {
    value /= UNIT_BYTES
    unit++
  }
  let rounded = value < 10 ? Math.round(value * 10) / 10 : Math.round(value)
  // 1023.7 KiB rounds to "1024 KiB": say "1.0 MiB" instead
  if (rounded >= UNIT_BYTES && unit < UNITS.length - 1) {
    value /= UNIT_BYTES
    unit++
    rounded = Math.round(value * 10) / 10
  }
  return inUnit(rounded, unit)
}

/** One number format per locale (toLocaleString with options builds a new one on every call). */
const valueFormats = new Map<string, Intl.NumberFormat>()

function inUnit (value: number, unit: number): string {
  // a whole number shows no ".0"; otherwise one decimal, with the locale's separator
  const locale = getLocale()
  let format = valueFormats.get(locale)
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { useGrouping: false, maximumFractionDigits: 1 })
    valueFormats.set(locale, format)
  }
  const text = format.format(value)
  return t(UNITS[unit] ?? 'errors.sizeTiB', { value: text })
}
