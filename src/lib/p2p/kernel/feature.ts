/**
 * One declaration per feature: its `index.ts` exports a {@link Feature}, and
 * the composition root holds the list of them (root/features.ts), taking
 * from each its services, its tab↔worker methods and its libp2p protocols.
 * Adding a feature changes one line of the root.
 */
import type { NodeHandlers, NodeMethod } from '../../contract/index.ts'
import type { ServiceMap } from '@libp2p/interface'
import type { ServiceFactoryMap } from 'libp2p'

/** What a feature is made of once created. */
export interface FeatureParts<S extends object, M extends NodeMethod, P extends ServiceMap> {
  /**
   * Its services that the node's components hold under these names: the
   * ones other features (or the root) read, typed by their ports, and the
   * ones that start and stop with the node (Startable: started in this
   * order, the features in the root's order, and stopped in reverse).
   */
  readonly services: S
  /** The contract methods it implements; they read the components when called. */
  readonly handlers?: NodeHandlers<M>
  /** Its libp2p protocol services, made when the libp2p node is (after every feature is created). */
  readonly protocols?: () => ServiceFactoryMap<P>
}

/**
 * A feature of the node. `C` is what it reads of the node's components,
 * `S` what it adds to them, `M` the contract methods it implements and `P`
 * the libp2p services it brings.
 */
export interface Feature<C extends object, S extends object, M extends NodeMethod = never, P extends ServiceMap = Record<never, never>> {
  /** its folder under src/lib/p2p */
  readonly name: string
  /**
   * Creates its parts. Its services read `components` when they need them,
   * never here (only the kernel's, which exist before any feature, may be
   * read at once): so the order features are created in does not matter.
   */
  readonly create: (components: C) => FeatureParts<S, M, P>
}

/**
 * What a feature's handlers read: its own services (its classes, which only
 * it knows) in front of the node's components, which are read as ever, when
 * needed.
 */
export function ownOver<C extends object, O extends object> (components: C, own: O): O & C {
  return Object.assign(Object.create(components) as C, own)
}
