/**
 * Structured logs: one JSON object per line on stdout,
 * `{"time":"<ISO 8601>","level":"info","msg":"ready",...fields}`.
 * Lines below the configured level are dropped before they are built.
 */
import type { Startable } from '@libp2p/interface'

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const
export type LogLevel = typeof LOG_LEVELS[number]

export type LogFields = Record<string, unknown>

export interface Logger {
  error(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  debug(msg: string, fields?: LogFields): void
  enabled(level: LogLevel): boolean
}

/** Field values are cut to this many characters so that one line stays small. */
const MAX_FIELD_CHARS = 2000

function toJsonValue (value: unknown): unknown {
  if (value instanceof Error) return value.message.slice(0, MAX_FIELD_CHARS)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'string') return value.slice(0, MAX_FIELD_CHARS)
  if (value != null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { toString?: unknown }).toString === 'function' &&
      (value as object).toString !== Object.prototype.toString) {
    // PeerIds, multiaddrs: their string form
    return String(value).slice(0, MAX_FIELD_CHARS)
  }
  return value
}

export function createLogger (level: LogLevel, write: (line: string) => void = (line) => { process.stdout.write(line) }): Logger {
  const threshold = LOG_LEVELS.indexOf(level)
  const enabled = (l: LogLevel): boolean => LOG_LEVELS.indexOf(l) <= threshold
  const log = (l: LogLevel) => (msg: string, fields: LogFields = {}): void => {
    if (!enabled(l)) return
    const entry: LogFields = { time: new Date().toISOString(), level: l, msg }
    for (const [key, value] of Object.entries(fields)) {
      if (key !== 'time' && key !== 'level' && key !== 'msg') entry[key] = toJsonValue(value)
    }
    write(`${JSON.stringify(entry)}\n`)
  }
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), enabled }
}

/** A logger that drops everything (library use, tests). */
export const silentLogger: Logger = createLogger('error', () => {})

/**
 * Refusals come in floods under abuse: instead of a line each, counts them
 * by reason and logs one `warn` line per reason per interval with the count.
 * Each refusal is also a `debug` line when debug logging is on.
 */
export class RefusalLog implements Startable {
  readonly #counts = new Map<string, number>()
  #timer?: ReturnType<typeof setInterval>

  constructor (private readonly log: Logger, private readonly intervalMs: number) {}

  start (): void {
    this.#timer = setInterval(() => { this.flush() }, this.intervalMs)
    this.#timer.unref()
  }

  refused (what: string, reason: string, fields: LogFields = {}): void {
    const key = `${what}\u0000${reason}`
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1)
    this.log.debug(`${what} refused`, { reason, ...fields })
  }

  flush (): void {
    for (const [key, count] of this.#counts) {
      const [what, reason] = key.split('\u0000')
      this.log.warn(`${what ?? ''} refused`, { reason, count })
    }
    this.#counts.clear()
  }

  stop (): void {
    clearInterval(this.#timer)
    this.flush()
  }
}
