/**
 * The node's status board (kernel/status.ts): this device's PeerID and the
 * account's, as each update finds the identity and the devices feature.
 */
import { TypedEventEmitter } from 'main-event'
import { describe, expect, it } from 'vitest'
import type { NodeStatus } from '../../../../src/lib/contract/index.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import { StatusBoard, type StatusComponents } from '../../../../src/lib/p2p/kernel/status.ts'
import type { ProfileRow } from '../../../../src/lib/db/types.ts'

const PROFILE = { peerId: 'device-peer', username: 'Alice' } as unknown as ProfileRow

/** What the test changes under the board: the profile, and the devices feature once it is made. */
interface Parts extends StatusComponents {
  identity: { profile: ProfileRow | undefined }
  devices?: { account: string | undefined }
}

/** A board over parts the test sets; the statuses it announced. */
function board (): { status: StatusBoard, components: Parts, heard: NodeStatus[] } {
  const events = new TypedEventEmitter<ParleyEvents>()
  const heard: NodeStatus[] = []
  events.addEventListener('status', (evt) => { heard.push(evt.detail) })
  const components: Parts = { events, identity: { profile: undefined } }
  return { status: new StatusBoard(components), components, heard }
}

describe('StatusBoard', () => {
  it('names no one without a profile, this device before the account is loaded, then the account', () => {
    const { status, components, heard } = board()
    status.update({ phase: 'needs-profile' })
    expect(status.current).toMatchObject({ phase: 'needs-profile', peerId: undefined, account: undefined })

    components.identity.profile = PROFILE
    status.update({ phase: 'starting' })
    expect(status.current).toMatchObject({ peerId: 'device-peer', account: 'device-peer', username: 'Alice' })

    // a linked device: the devices feature loaded an account whose PeerID is another
    components.devices = { account: 'account-peer' }
    status.update({})
    expect(status.current).toMatchObject({ phase: 'starting', peerId: 'device-peer', account: 'account-peer' })
    expect(heard.at(-1)).toBe(status.current)

    // stopped: the devices feature forgot the account; the device's PeerID again, as kernel/author.ts has it
    components.devices.account = undefined
    status.update({ phase: 'stopped' })
    expect(status.current).toMatchObject({ peerId: 'device-peer', account: 'device-peer' })
  })
})
