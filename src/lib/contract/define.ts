/**
 * How the contract is written: each tab → worker method is one entry of data
 * (its params schema, its result type, its timeout), each worker → tab event
 * one entry with its payload type. The RPC server derives its handler table
 * and its checks of every call from it; the tab's client its typed `call`
 * and its timeouts. Adding a method = one entry in contract/methods/<area>.ts
 * and one handler in the feature that implements it.
 */
import type { Schema } from './schema.ts'

/** A type carried only for the compiler: the result of a method, the payload of an event. */
export interface Carries<T> {
  readonly __carries?: T
}

/** Declares the type a method returns (nothing exists of it at run time). */
export function returns<T> (): Carries<T> {
  return {}
}

/** The calls of a method wait this long for their result unless the entry says otherwise. */
export const DEFAULT_TIMEOUT_MS = 15_000

export interface MethodSpec<P = unknown, R = unknown> {
  /** checks a call's params at the worker's edge */
  readonly params: Schema<P>
  readonly result: Carries<R>
  /** the tab's default timeout for a call (a call may pass its own) */
  readonly timeoutMs: number
}

/** One contract entry. `timeoutMs` defaults to {@link DEFAULT_TIMEOUT_MS}. */
export function method<P, R> (spec: { params: Schema<P>, result: Carries<R>, timeoutMs?: number }): MethodSpec<P, R> {
  return { params: spec.params, result: spec.result, timeoutMs: spec.timeoutMs ?? DEFAULT_TIMEOUT_MS }
}

export type EventSpec<T = unknown> = Carries<T>

/** One event the worker broadcasts to every tab, with its payload type. */
export function event<T> (): EventSpec<T> {
  return {}
}

/** A contract: methods and events, by name. */
export interface ContractShape {
  readonly methods: Readonly<Record<string, MethodSpec>>
  readonly events: Readonly<Record<string, EventSpec>>
}

export type MethodName<C extends ContractShape> = keyof C['methods'] & string
export type EventName<C extends ContractShape> = keyof C['events'] & string

export type ParamsOf<C extends ContractShape, M extends MethodName<C>> =
  C['methods'][M] extends MethodSpec<infer P, unknown> ? P : never
export type ResultOf<C extends ContractShape, M extends MethodName<C>> =
  C['methods'][M] extends MethodSpec<unknown, infer R> ? R : never
export type PayloadOf<C extends ContractShape, E extends EventName<C>> =
  C['events'][E] extends EventSpec<infer T> ? T : never

/** The arguments of a typed `call(method, …)` with options `O`: params are optional for methods that take none. */
export type CallArgsOf<C extends ContractShape, M extends MethodName<C>, O> = ParamsOf<C, M> extends undefined
  ? [params?: undefined, options?: O]
  : [params: ParamsOf<C, M>, options?: O]

/**
 * The per-method timeouts of a contract: all the tab's client needs of it at
 * run time besides its types (which `C` carries). The tab's bundle holds only
 * this table (derived at build time, see scripts/lib/contract-timeouts.ts),
 * not the schemas: the worker checks params.
 */
export type ContractTimeouts<C extends ContractShape> = { readonly [M in MethodName<C>]?: number } & { readonly __contract?: C }

export function timeoutsOf<C extends ContractShape> (contract: C): ContractTimeouts<C> {
  return Object.fromEntries(Object.entries(contract.methods).map(([name, spec]) => [name, spec.timeoutMs])) as ContractTimeouts<C>
}

/** What a handler gets besides its params. */
export interface HandlerContext {
  /** aborted when the caller cancels (abort or timeout) or its port goes away */
  signal: AbortSignal
}

export type Handler<C extends ContractShape, M extends MethodName<C>> =
  (params: ParamsOf<C, M>, ctx: HandlerContext) => ResultOf<C, M> | Promise<ResultOf<C, M>>

/** Handlers for the methods `M` of a contract (all of them by default): what a feature provides. */
export type Handlers<C extends ContractShape, M extends MethodName<C> = MethodName<C>> = { [K in M]: Handler<C, K> }
