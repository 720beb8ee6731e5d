import type { NodeHandlers } from '../../contract/index.ts'
import { CallError } from './calls.ts'
import type { CallLinePort } from '../kernel/ports/calls.ts'
import type { IceServersPort } from '../kernel/ports/relays.ts'
import type { Calls } from './calls.ts'

export type CallMethod = 'callConfiguration' | 'startCall' | 'answerCall' | 'declineCall' | 'hangUp' | 'sendCallIce' | 'sendCallDescription' | 'currentCall'

/** The call contract methods. */
export function callHandlers (components: { calls: Calls, ice: IceServersPort, callLine: Pick<CallLinePort, 'holder'> }): NodeHandlers<CallMethod> {
  const { calls } = components
  return {
    callConfiguration: () => {
      const { iceServers } = components.ice.rtcConfiguration()
      return iceServers === undefined ? {} : { iceServers: iceServers.map(s => ({ urls: s.urls, ...(s.username === undefined ? {} : { username: s.username }), ...(s.credential === undefined ? {} : { credential: s.credential }) })) }
    },
    startCall: async ({ contactId, video, sdp }) => {
      // a group call under way (a 1:1 one: Calls says busy itself)
      if (components.callLine.holder !== undefined && calls.current() === null) throw new CallError('callBusy')
      return { callId: await calls.place(contactId, video, sdp) }
    },
    answerCall: ({ callId, sdp }) => { calls.answer(callId, sdp); return null },
    declineCall: ({ callId }) => { calls.decline(callId); return null },
    hangUp: ({ callId, failed }) => { calls.hangUp(callId, failed === true); return null },
    sendCallIce: ({ callId, candidates }) => { calls.sendIce(callId, candidates); return null },
    sendCallDescription: ({ callId, type, sdp }) => { calls.sendDescription(callId, type, sdp); return null },
    currentCall: () => calls.current()
  }
}
