/**
 * The catalog of error codes: every code the node (worker, database, RPC
 * layer) may report to a tab, with the kind of each parameter. One module per
 * area; the tab's words for each code are in lib/i18n/messages/errors.ts,
 * whose tables must name every code here (the type checks it).
 *
 * Parameter kinds, so the tab can word them in its language:
 * - 'text'  user data or a developer reason, shown as it is;
 * - 'number' a number shown as it is (limits, ports, indexes: "4096");
 * - 'count' a quantity: chooses the plural form and is shown in the locale's digits ("1,024");
 * - 'bytes' a size in bytes, shown as "1.5 MiB" in the locale;
 * - 'code'  another error code, worded in its turn (a reason inside a reason).
 */
import { CONTACT_ERRORS } from './contacts.ts'
import { IDENTITY_ERRORS } from './identity.ts'
import { MESSAGING_ERRORS } from './messaging.ts'
import { NODE_ERRORS } from './node.ts'
import { PUSH_ERRORS } from './push.ts'
import { RELAY_ERRORS, TURN_ERRORS } from './relays.ts'
import { RPC_ERRORS } from './rpc.ts'
import { TRANSFER_ERRORS } from './transfers.ts'

export type ParamKind = 'text' | 'number' | 'count' | 'bytes' | 'code'

/** The shape every area's catalog has. */
export type ErrorCatalog = Readonly<Record<string, Readonly<Record<string, ParamKind>>>>

export const ERROR_CATALOG = {
  ...RPC_ERRORS,
  ...NODE_ERRORS,
  ...IDENTITY_ERRORS,
  ...CONTACT_ERRORS,
  ...MESSAGING_ERRORS,
  ...RELAY_ERRORS,
  ...TURN_ERRORS,
  ...TRANSFER_ERRORS,
  ...PUSH_ERRORS
} as const satisfies ErrorCatalog
