/**
 * A device's name as a device list carries it (docs/protocols.md, "Linked
 * devices: the device list"). Apart from list.ts, which signs and verifies,
 * so that what checks a name alone (a backup's reader, the Settings screen)
 * loads no Ed25519.
 */
import { MAX_DEVICE_NAME_CHARS } from './constants.ts'

/** A surrogate without its pair (chat/checks.ts has the same; not imported, so that this module stays free of libp2p). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
/** C0, DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Why `name` cannot be a device's name, or undefined when it can: at most
 * MAX_DEVICE_NAME_CHARS UTF-16 units, trimmed, no control characters or
 * unpaired surrogates (which UTF-8 cannot carry).
 */
export function deviceNameProblem (name: string): string | undefined {
  if (name.length > MAX_DEVICE_NAME_CHARS) return `a device name is at most ${MAX_DEVICE_NAME_CHARS} characters`
  if (name.trim() !== name) return 'a device name is trimmed'
  if (CONTROL.test(name) || LONE_SURROGATE.test(name)) return 'a device name has no control characters or unpaired surrogates'
  return undefined
}
