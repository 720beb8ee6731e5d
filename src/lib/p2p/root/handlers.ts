/**
 * The contract's methods, each implemented by the feature it belongs to
 * (its descriptor's handlers). The type is the whole contract: a method no
 * feature implements does not compile.
 */
import type { NodeHandlers } from '../../contract/index.ts'
import type { FeatureMethods } from './features.ts'

/** Every feature's handlers in one table; two features implementing one method is a wiring bug. */
export function nodeHandlers (tables: ReadonlyArray<Partial<NodeHandlers> | undefined>): NodeHandlers {
  const handlers: Partial<NodeHandlers> = {}
  for (const table of tables) {
    for (const method of Object.keys(table ?? {})) {
      if (method in handlers) throw new Error(`two features implement the method "${method}"`)
    }
    Object.assign(handlers, table)
  }
  // the features' types say which methods each implements; together, all of them
  const all: NodeHandlers<FeatureMethods> = handlers as NodeHandlers<FeatureMethods>
  return all
}
