/**
 * Whether `value` is a plain object to read keys from: not null, not a list.
 * What every decoder of JSON or of structured-cloned messages asks first
 * (the wire's JSON frames, the tab ⇄ worker messages, backups).
 */
export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
