/**
 * Errors as codes. What the node reports to a tab is a code from the catalog
 * (contract/error-codes/*.ts) with its parameters; only the tab turns it into
 * words (lib/i18n, the 'errors' table is keyed by code). The worker and the
 * database never word an error, so rows and events hold codes, not sentences.
 *
 * One way to declare an error class: `errorClass(name)`. Its instances carry
 * `name` (what code matches on: structured clone drops prototypes, so match by
 * `err.name`, never `instanceof`, once an error may have crossed a port), the
 * `code` and the typed `params`:
 *
 *   export const UnknownContactError = errorClass('UnknownContactError')
 *   throw new UnknownContactError('unknownContact')
 *   throw new InvalidInviteError('inviteTooLong', { max: MAX_INVITE_CHARS })
 */
import type { ERROR_CATALOG, ParamKind } from './error-codes/index.ts'

export type { ParamKind }

// The catalog (error-codes/index.ts) is for the compiler (codes and their
// params' types) and for the tests; at run time nothing needs it: a code is a
// string, and the tab words it from its table (lib/i18n/error-text.ts). So it
// is imported for its type only and stays out of the bundles.
type Catalog = typeof ERROR_CATALOG
/** Every code the node may report. */
export type ErrorCode = keyof Catalog & string

type KindValue<K> = K extends 'text' ? string : K extends 'code' ? ErrorCode : number
/** The parameters of `C`, typed by their kinds. */
export type ErrorParams<C extends ErrorCode> = { readonly [P in keyof Catalog[C]]: KindValue<Catalog[C][P]> }

type Args<C extends ErrorCode> = Record<string, never> extends ErrorParams<C>
  ? [params?: ErrorParams<C>, options?: ErrorOptions]
  : [params: ErrorParams<C>, options?: ErrorOptions]

/** The base of every coded error; declare classes with {@link errorClass}. */
export class CodedError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C
  readonly params: ErrorParams<C>

  constructor (code: C, ...[params, options]: Args<C>) {
    const values = (params ?? {}) as ErrorParams<C>
    super(developerMessage(code, values), options)
    this.code = code
    this.params = values
  }
}

/** A class made by {@link errorClass}: constructed with a code and that code's params. */
export interface CodedErrorClass<N extends string> {
  new <C extends ErrorCode>(code: C, ...args: Args<C>): CodedError<C> & { readonly name: N }
  readonly NAME: N
}

/** Declares an error class named `name` (its instances' `name` is `name`). */
export function errorClass<N extends string> (name: N): CodedErrorClass<N> {
  const cls = class extends CodedError {
    override name: string = name
  }
  Object.defineProperty(cls, 'name', { value: name })
  return Object.assign(cls, { NAME: name }) as unknown as CodedErrorClass<N>
}

/** The instance type of a class made by {@link errorClass}. */
export type ErrorOf<K extends CodedErrorClass<string>> = InstanceType<K>

/**
 * A call's params do not match the contract (`invalidParams`); the handler
 * never ran. Thrown where a call is checked against the contract: the RPC
 * server, and the node's own `call` (lib/p2p/root).
 */
export const InvalidParamsError = errorClass('InvalidParamsError')

/** Longest error `name` that crosses a port; longer ones are cut. */
export const MAX_ERROR_NAME_LENGTH = 64
/** Longest developer `message` that crosses a port; longer ones are cut. */
export const MAX_ERROR_MESSAGE_LENGTH = 4096
/** Most params of one error, and the longest text value, that cross a port. */
export const MAX_ERROR_PARAMS = 16
export const MAX_ERROR_PARAM_CHARS = 2048
const MAX_CODE_LENGTH = 64
const MAX_PARAM_NAME_LENGTH = 32

/**
 * An error as it crosses a port: `name` to match on, `code` and `params` for
 * the words, `message` (English) for logs and developers only.
 */
export interface ErrorShape {
  name: string
  code: string
  params: Record<string, string | number>
  message: string
}

/**
 * Reduces anything thrown to the shape that crosses a port: a coded error
 * keeps its code and params; anything else becomes `unexpected` with its
 * message as the one param. Never a stack trace; every field is bounded.
 */
export function toErrorShape (err: unknown): ErrorShape {
  let name = 'Error'
  let message: string
  if (typeof err === 'object' && err !== null) {
    const { name: n, message: m } = err as { name?: unknown, message?: unknown }
    if (typeof n === 'string' && n !== '') name = n
    message = typeof m === 'string' ? m : safeString(err)
  } else {
    message = safeString(err)
  }
  message = message.slice(0, MAX_ERROR_MESSAGE_LENGTH)
  const coded = codedParts(err)
  return {
    name: name.slice(0, MAX_ERROR_NAME_LENGTH),
    code: coded?.code ?? 'unexpected',
    params: coded === undefined ? { message: message.slice(0, MAX_ERROR_PARAM_CHARS) } : boundedParams(coded.params),
    message
  }
}

/**
 * An error that came back over a port, re-created: a plain `Error` with the
 * remote `name` and `message`, and its `code` and `params`.
 */
export interface RemoteError extends Error {
  code: string
  params: Record<string, string | number>
}

export function errorFromShape (shape: ErrorShape): RemoteError {
  const err = new Error(shape.message) as RemoteError
  err.name = shape.name
  err.code = shape.code
  err.params = shape.params
  return err
}

/** True if `x` is exactly an {@link ErrorShape} with bounded fields (the port's guard). */
export function isErrorShape (x: unknown): x is ErrorShape {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const o = x as Record<string, unknown>
  const keys = Object.keys(o)
  return keys.length === 4 && ['name', 'code', 'params', 'message'].every(k => Object.hasOwn(o, k)) &&
    typeof o['name'] === 'string' && o['name'] !== '' && o['name'].length <= MAX_ERROR_NAME_LENGTH &&
    typeof o['code'] === 'string' && o['code'] !== '' && o['code'].length <= MAX_CODE_LENGTH &&
    typeof o['message'] === 'string' && o['message'].length <= MAX_ERROR_MESSAGE_LENGTH &&
    isParams(o['params'])
}

function isParams (x: unknown): x is Record<string, string | number> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const entries = Object.entries(x)
  return entries.length <= MAX_ERROR_PARAMS && entries.every(([k, value]) =>
    k.length <= MAX_PARAM_NAME_LENGTH &&
    ((typeof value === 'string' && value.length <= MAX_ERROR_PARAM_CHARS) || (typeof value === 'number' && Number.isFinite(value))))
}

function boundedParams (params: Readonly<Record<string, unknown>>): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  for (const [key, value] of Object.entries(params).slice(0, MAX_ERROR_PARAMS)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[key.slice(0, MAX_PARAM_NAME_LENGTH)] = value
    else if (typeof value === 'string') out[key.slice(0, MAX_PARAM_NAME_LENGTH)] = value.slice(0, MAX_ERROR_PARAM_CHARS)
  }
  return out
}

/**
 * The code and params of a coded error, also of one re-created from a shape
 * (duck-typed: prototypes do not cross ports). A code is not checked against
 * the catalog here (the compiler did; the tab shows an unknown one as its message).
 */
function codedParts (err: unknown): { code: string, params: Readonly<Record<string, unknown>> } | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const { code, params } = err as { code?: unknown, params?: unknown }
  if (typeof code !== 'string' || code === '' || code.length > MAX_CODE_LENGTH || typeof params !== 'object' || params === null) return undefined
  return { code, params: params as Readonly<Record<string, unknown>> }
}

function developerMessage (code: string, params: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(params)
  return entries.length === 0 ? code : `${code} (${entries.map(([k, value]) => `${k}: ${String(value)}`).join(', ')})`
}

function safeString (value: unknown): string {
  try {
    return String(value)
  } catch {
    // String() throws for objects with a hostile toString or Symbol.toPrimitive;
    // the shape still has to be built, so fall back to a fixed text.
    return 'Unprintable error'
  }
}
