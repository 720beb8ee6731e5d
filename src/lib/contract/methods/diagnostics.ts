/** Diagnostics. */
import { method, returns } from '../define.ts'
import { contactId } from '../ids.ts'
import { v } from '../schema.ts'

export const diagnosticsMethods = {
  /** push `bytes` (1..64 MiB) to a contact over the direct connection and time it */
  speedTest: method({
    params: v.object({ contactId: contactId(), bytes: v.number({ integer: true, min: 0, max: 2 ** 31 }) }),
    result: returns<{ bytes: number, ms: number }>()
  }),
  /**
   * what peers that speak sessions sent outside a session box since the node
   * started, refused (docs/protocols.md, "Sessions are mandatory"): mailbox
   * items, chat 1.x streams, group 1.0.0 exchanges
   */
  sessionRefusals: method({ params: v.none(), result: returns<{ mailbox: number, chat: number, group: number }>() })
} as const
