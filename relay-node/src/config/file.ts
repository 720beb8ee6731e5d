/**
 * The relay's JSON config file (--config, PARLEY_RELAY_CONFIG): read once,
 * bounded in size, each key a flag name without "--", each value turned
 * into the text the flag would carry, so that the file's values are read
 * like the flags' and the environment's (parse.ts).
 */
import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors.ts'
import { OPTIONS } from './options.ts'

/** Largest config file read, in bytes. */
const MAX_CONFIG_FILE_BYTES = 64 * 1024
const LIST_OPTIONS = new Set(OPTIONS.filter(o => o.kind.type === 'list').map(o => o.flag))
const ON_OFF_OPTIONS = new Set(OPTIONS.filter(o => o.kind.type === 'on-off').map(o => o.flag))
const FILE_OPTIONS = new Set(OPTIONS.map(o => o.flag))

/**
 * Reads a JSON config file: an object keyed by flag names (without `--`),
 * with numbers, strings or booleans as values (lists may be arrays). Returns
 * the values as the strings a flag would carry; throws ConfigError naming the
 * file and what is wrong.
 */
export function readConfigFile (path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${path}: ${(err as Error).message}`)
  }
  if (text.length > MAX_CONFIG_FILE_BYTES) throw new ConfigError(`the config file ${path} is over ${MAX_CONFIG_FILE_BYTES} bytes`)
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`the config file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`the config file ${path} must hold a JSON object of options`)
  }
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(data)) {
    if (!FILE_OPTIONS.has(key)) throw new ConfigError(`the config file ${path} has an unknown option "${key.slice(0, 40)}" (options are the flag names without "--")`)
    if (typeof value === 'number' || typeof value === 'string') {
      out[key] = String(value)
    } else if (typeof value === 'boolean' && ON_OFF_OPTIONS.has(key)) {
      out[key] = value ? 'on' : 'off'
    } else if (LIST_OPTIONS.has(key) && Array.isArray(value) && value.every(v => typeof v === 'string')) {
      out[key] = value.join(',')
    } else {
      throw new ConfigError(`the config file ${path}: "${key}" must be a number or a string${LIST_OPTIONS.has(key) ? ' (or a list of strings)' : ''}`)
    }
  }
  return out
}
