/**
 * A stand-in for the tab's NodeManager.call (the contract's typed call, see
 * lib/contract): answers from per-method handlers given by the test, records
 * every call, and rejects a method it has no handler for.
 */
import type { CallOptions } from '../../src/lib/rpc/client.ts'
import type { NodeMethod, NodeParams, NodeResult } from '../../src/lib/contract/index.ts'

export type FakeAnswers = {
  [M in NodeMethod]?: (params: NodeParams<M>, options: CallOptions) => NodeResult<M> | Promise<NodeResult<M>>
}

export interface RecordedCall {
  method: NodeMethod
  params: unknown
}

export interface FakeCall {
  call: <M extends NodeMethod>(method: M, params?: NodeParams<M>, options?: CallOptions) => Promise<NodeResult<M>>
  calls: RecordedCall[]
}

export function fakeCall (answers: FakeAnswers): FakeCall {
  const calls: RecordedCall[] = []
  const call = async <M extends NodeMethod>(method: M, params?: NodeParams<M>, options: CallOptions = {}): Promise<NodeResult<M>> => {
    calls.push({ method, params })
    const answer = answers[method] as ((p: NodeParams<M>, o: CallOptions) => NodeResult<M> | Promise<NodeResult<M>>) | undefined
    if (answer === undefined) throw new Error(`the fake node has no answer for ${method}`)
    return answer(params as NodeParams<M>, options)
  }
  return { call, calls }
}
