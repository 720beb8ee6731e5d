/**
 * The node's components: one object the composition root (root.ts)
 * fills and every feature reads, the way js-libp2p hands its services their
 * `components`: the kernel's (kernel/components.ts), the libp2p node, then
 * what each feature adds (its descriptor's services, typed by their ports).
 * A feature declares the few it uses (a minimal interface of its own, so a
 * unit test passes exactly those) and reads them when it needs them, never in
 * its constructor: creation order then does not matter.
 */
import { NodeNotReadyError } from '../kernel/errors.ts'
import type { KernelComponents } from '../kernel/components.ts'
import type { FeatureServices } from './features.ts'
import type { ParleyNode } from './libp2p.ts'

export type NodeComponents = KernelComponents & FeatureServices & {
  /** the libp2p node; reading it before the node exists throws NodeNotReadyError('stillStarting') */
  libp2p: ParleyNode
}

/**
 * The components object: what `base` holds now, and whatever the root adds
 * later. Reading `libp2p` before the node exists throws
 * NodeNotReadyError('stillStarting') (a call that needs the network while
 * the node starts); reading any other missing component is a wiring bug.
 */
export function createComponents (base: Partial<NodeComponents>): NodeComponents {
  return new Proxy(base, {
    get (target, key, receiver) {
      if (typeof key !== 'string' || key in target || key === 'then') return Reflect.get(target, key, receiver)
      if (key === 'libp2p') throw new NodeNotReadyError('stillStarting')
      throw new Error(`the node has no component "${key}"`)
    }
  }) as NodeComponents
}
