/** Byte counts in words, for the UI and for error messages (1024-based units). */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const
const UNIT_BYTES = 1024

/** "0 B", "512 B", "1.5 KiB", "12 KiB", "3.2 GiB": one decimal below 10 units, none above. */
export function formatBytes (bytes: number): string {
  const n = Number.isFinite(bytes) && bytes > 0 ? bytes : 0
  if (n < UNIT_BYTES) return `${Math.round(n)} B`
  let unit = 0
  let value = n
  while (value >= UNIT_BYTES && unit < UNITS.length - 1) {
    value /= UNIT_BYTES
    unit++
  }
  let text = value < 10 ? value.toFixed(1) : Math.round(value).toString()
  // 1023.7 KiB rounds to "1024 KiB": say "1.0 MiB" instead
  if (Number(text) >= UNIT_BYTES && unit < UNITS.length - 1) {
    value /= UNIT_BYTES
    unit++
    text = value.toFixed(1)
  }
  if (text.endsWith('.0')) text = text.slice(0, -2)
  return `${text} ${UNITS[unit] as string}`
}
