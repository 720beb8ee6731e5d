/**
 * Linking a device (issue 58, increment 2; docs/protocols.md, "Linking a
 * device"): both roles of `/parley/link/1.0.0` and the account's state moved
 * to the new device (links.ts). The new device runs a node of its own until
 * it holds the account; the existing device links over the app's node.
 *
 * Where the app still takes this device for the account (invites, safety
 * numbers, outgoing chat rows' `fromPeerId` and call records, kernel/author.ts,
 * and a group's "me", groups/accounts.ts, already name the account): the session
 * identity (sessions, OwnKeys), the peer record (presence/record-publisher.ts),
 * the mailbox and Nearby, which are the device's own by design (contacts
 * deliver to each device of the account's list in its own session and
 * mailbox: messaging/outbox.ts); the status's `peerId`, which is the device's
 * (its `account` is the account's: kernel/status.ts, what the tab takes for "me").
 */
import { ownOver } from '../kernel/feature.ts'
import { linkHandlers } from './handlers.ts'
import { Links } from './links.ts'
import type { Feature } from '../kernel/feature.ts'
import type { LinkMethods } from './handlers.ts'
import type { LinkComponents } from './host.ts'

/** What it adds to the node's components. */
export interface LinkServices {
  links: Links
}

export const linkFeature: Feature<LinkComponents, LinkServices, LinkMethods> = {
  name: 'link',
  create (components) {
    const links = new Links(components)
    return { services: { links }, handlers: linkHandlers(ownOver(components, { links })) }
  }
}
