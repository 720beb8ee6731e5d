/**
 * The wire format of the tab ⇄ worker RPC over a MessagePort (what is said
 * is in the contract, lib/contract):
 *
 *   tab → worker  `{ type: 'call', id, method, params }`
 *   worker → tab  `{ type: 'result', id, ok: true, result }` | `{ type: 'result', id, ok: false, error: { name, code, params, message } }`
 *   worker → tab  `{ type: 'event', event, payload }`
 *   both ways     `{ type: 'arrive' }` / `{ type: 'welcome' }` / `{ type: 'leave' }` (port handshake)
 *   tab → worker  `{ type: 'cancel', id }` (the caller aborted)
 *   tab → worker  `{ type: 'ping' }`, answered `{ type: 'pong' }` (is the worker still there? rpc/watched-port.ts)
 */
import type { ErrorShape } from '../contract/errors.ts'

export interface CallMessage { type: 'call', id: number, method: string, params: unknown }
export interface CancelMessage { type: 'cancel', id: number }
export interface ResultOk { type: 'result', id: number, ok: true, result: unknown }
export interface ResultErr { type: 'result', id: number, ok: false, error: ErrorShape }
export interface EventMessage { type: 'event', event: string, payload: unknown }
export interface ArriveMessage { type: 'arrive' }
export interface WelcomeMessage { type: 'welcome' }
export interface LeaveMessage { type: 'leave' }
export interface PingMessage { type: 'ping' }
export interface PongMessage { type: 'pong' }

export type TabToWorker = CallMessage | CancelMessage | ArriveMessage | LeaveMessage | PingMessage
export type WorkerToTab = ResultOk | ResultErr | EventMessage | WelcomeMessage | PongMessage

// Transitional: the shared types now live in lib/contract; these re-exports
// go once every importer names the contract.
export type * from '../contract/types.ts'
