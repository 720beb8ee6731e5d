/**
 * Small runtime schemas for what crosses the tab ⇄ worker line: each checks
 * an `unknown` value and returns it typed, or throws a {@link SchemaError}
 * saying in (English, developer) words what is wrong and where. Objects are
 * exact (no unknown keys), strings and lists are bounded, ids are checked.
 * The contract (contract/methods/*.ts) declares every method's params with
 * them; the RPC server checks each call at the worker's edge.
 *
 * Deliberately tiny: no transforms, no coercion, no async — the value that
 * passes is the value the handler gets.
 */

/** A value did not match its schema; `message` names the path and the problem. */
export class SchemaError extends Error {
  override name = 'SchemaError'
}

export interface Schema<T> {
  /** `value` typed, or a SchemaError naming `path` (default 'params'). */
  parse(value: unknown, path?: string): T
  /** What the schema accepts, in a few words ('{ multiaddr, active }', 'text of at most 2048 characters'). */
  readonly expected: string
}

/** The type a schema accepts. */
export type Infer<S> = S extends Schema<infer T> ? T : never

/** Marks an object key that may be absent. */
interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true
}

type Shape = Record<string, Schema<unknown>>
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S]
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>
export type ObjectOf<S extends Shape> =
  { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }

function schema<T> (expected: string, check: (value: unknown, path: string) => T): Schema<T> {
  return { expected, parse: (value, path = 'params') => check(value, path) }
}

function fail (path: string, expected: string, value: unknown): never {
  throw new SchemaError(`${path} must be ${expected}, not ${describe(value)}`)
}

/** A short description of a rejected value: its kind, never its content. */
export function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'string') return `text of ${value.length} characters`
  if (typeof value === 'number') return Number.isFinite(value) ? `the number ${value}` : String(value)
  if (typeof value === 'object') return 'an object'
  return typeof value
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) &&
    !(value instanceof Blob) && !(value instanceof Uint8Array)
}

export interface StringOptions {
  /** most characters (UTF-16 code units) */
  max: number
  /** fewest characters (default 0) */
  min?: number
  pattern?: RegExp
  /** the pattern in words, for messages ('a ULID') */
  patternName?: string
}

export interface NumberOptions {
  integer?: boolean
  min?: number
  max?: number
}

export const v = {
  string (options: StringOptions): Schema<string> {
    const { max, min = 0, pattern, patternName } = options
    const expected = patternName ?? (min > 0 ? `text of ${min} to ${max} characters` : `text of at most ${max} characters`)
    return schema(expected, (value, path) => {
      if (typeof value !== 'string' || value.length > max || value.length < min) return fail(path, expected, value)
      if (pattern !== undefined && !pattern.test(value)) return fail(path, expected, value)
      return value
    })
  },

  number (options: NumberOptions = {}): Schema<number> {
    const { integer = false, min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = options
    const expected = `${integer ? 'a whole number' : 'a number'}${min > -Number.MAX_VALUE ? ` ≥ ${min}` : ''}${max < Number.MAX_VALUE ? ` ≤ ${max}` : ''}`
    return schema(expected, (value, path) => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) return fail(path, expected, value)
      if (integer && !Number.isSafeInteger(value)) return fail(path, expected, value)
      return value
    })
  },

  boolean (): Schema<boolean> {
    return schema('true or false', (value, path) => typeof value === 'boolean' ? value : fail(path, 'true or false', value))
  },

  literal<const L extends readonly [string, ...string[]]> (...values: L): Schema<L[number]> {
    const expected = `one of ${values.map(x => `'${x}'`).join(', ')}`
    return schema(expected, (value, path) =>
      typeof value === 'string' && (values as readonly string[]).includes(value) ? value as L[number] : fail(path, expected, value))
  },

  nullable<T> (inner: Schema<T>): Schema<T | null> {
    return schema(`${inner.expected} or null`, (value, path) => value === null ? null : inner.parse(value, path))
  },

  optional<T> (inner: Schema<T>): OptionalSchema<T> {
    return { ...schema(`${inner.expected} (optional)`, (value, path) => value === undefined ? undefined : inner.parse(value, path)), optional: true }
  },

  blob (): Schema<Blob> {
    return schema('a File or Blob', (value, path) => value instanceof Blob ? value : fail(path, 'a File or Blob', value))
  },

  bytes (options: { max: number }): Schema<Uint8Array> {
    const expected = `bytes (a Uint8Array of at most ${options.max})`
    return schema(expected, (value, path) =>
      value instanceof Uint8Array && value.byteLength <= options.max ? value : fail(path, expected, value))
  },

  array<T> (item: Schema<T>, options: { max: number }): Schema<T[]> {
    const expected = `a list of at most ${options.max} (each ${item.expected})`
    return schema(expected, (value, path) => {
      if (!Array.isArray(value) || value.length > options.max) return fail(path, expected, value)
      return value.map((x, i) => item.parse(x, `${path}[${i}]`))
    })
  },

  /** Exactly these keys (optional ones may be absent), each checked by its schema. */
  object<S extends Shape> (shape: S): Schema<ObjectOf<S>> {
    const keys = Object.keys(shape)
    const expected = `exactly { ${keys.join(', ')} }`
    return schema(expected, (value, path) => {
      if (!isRecord(value)) return fail(path, expected, value)
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(shape, key)) {
          throw new SchemaError(`${path} must be ${expected}: unexpected key "${key.slice(0, 32)}"`)
        }
      }
      const out: Record<string, unknown> = {}
      for (const key of keys) {
        const inner = shape[key] as Schema<unknown> & { optional?: true }
        if (!Object.hasOwn(value, key)) {
          if (inner.optional === true) continue
          throw new SchemaError(`${path} must be ${expected}: "${key}" is missing`)
        }
        out[key] = inner.parse(value[key], `${path}.${key}`)
      }
      return out as ObjectOf<S>
    })
  },

  /** No params at all (the method is called without them). */
  none (): Schema<undefined> {
    return schema('nothing (no params)', (value, path) => value === undefined ? undefined : fail(path, 'nothing (no params)', value))
  }
} as const
