/**
 * The devices a new outgoing row waits for (schema v15; pending-devices.ts
 * says the rest): kept apart, with no import of the modules that store rows,
 * so that messages.ts, events.ts and contact-devices.ts can all use it.
 */
import type { ContactRow, MessageState } from './types.ts'

/** The PeerIDs a contact's devices are known by: its held list's, else its own PeerID alone (an account with one device). */
export function devicePeersOf (contact: Pick<ContactRow, 'peerId' | 'devicePeers'>): string[] {
  return contact.devicePeers ?? [contact.peerId]
}

/** The devices a new outgoing row to `contact` waits for, each once. */
export function devicesOf (contact: Pick<ContactRow, 'peerId' | 'devicePeers'>): string[] {
  return [...new Set(devicePeersOf(contact))]
}

/** The fields of a row that waits for devices (a message's or an event's). */
export interface PendingFields {
  id: string
  contactId: number
  direction: 'in' | 'out'
  state: MessageState
  pendingDevices?: string[]
  storedDevices?: string[]
}

/** Whether an outgoing row waits for acks at all: to a contact (not a group, contact 0), and queued, sent or stored. */
export function awaitsAcks (row: Pick<PendingFields, 'contactId' | 'direction' | 'state'>): boolean {
  return row.direction === 'out' && row.contactId !== 0 && (row.state === 'queued' || row.state === 'sent' || row.state === 'stored')
}

/** `row` with `pendingDevices` set to `contact`'s devices when it waits for acks (a new object; `row` itself otherwise). */
export function withPendingDevices<R extends PendingFields> (row: R, contact: Pick<ContactRow, 'peerId' | 'devicePeers'>): R {
  if (!awaitsAcks(row)) return row
  const { storedDevices: _stored, ...rest } = row
  return { ...rest, pendingDevices: devicesOf(contact) } as R
}
