/**
 * How an outgoing message's delivery state shows. With read receipts off on
 * this device, 'read' shows as 'delivered' (off means neither sent nor shown,
 * as Signal does). The chat screen provides the setting through a context;
 * a bubble outside a chat (no context) shows the state as stored.
 */
import { getContext, setContext } from 'svelte'
import type { MessageState } from '../db/types.ts'

const READ_RECEIPTS = Symbol('parley.readReceipts')

const ALWAYS_ON = (): boolean => true

/** The chat screen, during initialisation: whether read receipts are on (a getter, so bubbles follow changes). */
export function setReadReceiptsContext (on: () => boolean): void {
  setContext(READ_RECEIPTS, on)
}

/** A bubble, during initialisation: the chat's read-receipts getter (always on outside a chat). */
export function readReceiptsContext (): () => boolean {
  return getContext<(() => boolean) | undefined>(READ_RECEIPTS) ?? ALWAYS_ON
}

/** The state to show for `state`: 'read' is 'delivered' while read receipts are off. */
export function shownState (state: MessageState, readReceipts: boolean): MessageState {
  return state === 'read' && !readReceipts ? 'delivered' : state
}
