// @ts-check
/**
 * The order of the worker's features (docs/architecture.md, "The order of
 * features"), as an ESLint rule. Under `root` (src/lib/p2p), each folder is
 * the kernel, the composition root, or a feature named in `order`, lowest
 * first:
 *
 * - a feature imports only features below it in the order,
 * - and only through their public entry (`index.ts`, or `ports.ts`),
 * - the kernel imports no feature (nor the root),
 * - only the root imports features freely, and nothing under `root` imports
 *   the root (src/workers do).
 *
 * Type-only imports count: a feature that names a type of a feature above it
 * depends on it all the same. Imports are read as written (relative paths);
 * a bare specifier (a package) is not this rule's business.
 */
import path from 'node:path'

/** @typedef {{ root: string, kernel?: string, composition?: string, order: string[], entries?: string[] }} Options */

/** @type {import('eslint').Rule.RuleModule} */
const featureOrder = {
  meta: {
    type: 'problem',
    docs: { description: 'A feature of the worker imports only features below it, through their public entry; the kernel imports none' },
    schema: [{
      type: 'object',
      properties: {
        root: { type: 'string' },
        kernel: { type: 'string' },
        composition: { type: 'string' },
        order: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        entries: { type: 'array', items: { type: 'string' } }
      },
      required: ['root', 'order'],
      additionalProperties: false
    }],
    messages: {
      notBelow: '{{from}} may import only features below it ({{below}}); {{to}} is not. Tell it what happened with a node event (kernel/events.ts), or give it a port in the kernel (kernel/ports) that {{to}} implements.',
      notPublic: 'Import {{to}} through its public entry ({{entries}}), not {{file}}.',
      kernelImportsFeature: 'The kernel imports no feature ({{to}}): move what it needs down into the kernel.',
      importsRoot: 'Only src/workers import the composition root ({{composition}}/); a feature gets its components.',
      unknownFolder: '{{folder}} is neither the kernel, the root nor a feature in the order: add it to the order (eslint.config.js FEATURE_ORDER, and docs/architecture.md).',
      looseFile: 'A file here belongs in the kernel, the root or a feature\'s folder.'
    }
  },

  create (context) {
    const options = /** @type {Options} */ (context.options[0])
    const kernel = options.kernel ?? 'kernel'
    const composition = options.composition ?? 'root'
    const entries = options.entries ?? ['index.ts', 'ports.ts']
    const rank = new Map(options.order.map((name, i) => [name, i]))
    const root = path.resolve(context.cwd, options.root)
    const filename = path.resolve(context.cwd, context.filename)

    /** The folder under `root` a path is in, and the path inside it; undefined outside `root`. */
    const place = (/** @type {string} */ file) => {
      const rel = path.relative(root, file)
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined
      const [folder = '', ...rest] = rel.split(path.sep)
      return { folder, inner: rest.join('/') }
    }

    const from = place(filename)
    if (from === undefined) return {}
    const known = (/** @type {string} */ folder) => folder === kernel || folder === composition || rank.has(folder)

    /** @param {import('estree').Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return
      const to = place(path.resolve(path.dirname(filename), source))
      if (to === undefined || to.folder === from.folder) return
      if (to.inner === '') {
        // a folder's name itself resolves to nothing we can read: judge it as its index.ts
        to.inner = 'index.ts'
      }
      if (to.folder === composition) {
        context.report({ node, messageId: 'importsRoot', data: { composition } })
        return
      }
      if (from.folder === composition || to.folder === kernel) return
      if (!known(to.folder)) {
        context.report({ node, messageId: 'unknownFolder', data: { folder: to.folder } })
        return
      }
      if (from.folder === kernel) {
        context.report({ node, messageId: 'kernelImportsFeature', data: { to: to.folder } })
        return
      }
      const fromRank = rank.get(from.folder)
      const toRank = rank.get(to.folder)
      if (fromRank === undefined || toRank === undefined) return
      if (toRank > fromRank) {
        const below = options.order.slice(0, fromRank)
        context.report({ node, messageId: 'notBelow', data: { from: from.folder, to: to.folder, below: below.length === 0 ? 'none: only the kernel' : below.join(', ') } })
        return
      }
      if (!entries.includes(to.inner)) {
        context.report({ node, messageId: 'notPublic', data: { to: to.folder, file: `${to.folder}/${to.inner}`, entries: entries.join(' or ') } })
      }
    }

    return {
      Program (node) {
        if (from.inner === '') context.report({ node, messageId: 'looseFile' })
        else if (!known(from.folder)) context.report({ node, messageId: 'unknownFolder', data: { folder: from.folder } })
      },
      ImportDeclaration (node) { check(node, node.source.value) },
      ExportNamedDeclaration (node) { if (node.source != null) check(node, node.source.value) },
      ExportAllDeclaration (node) { check(node, node.source.value) },
      ImportExpression (node) { if (node.source.type === 'Literal') check(node, node.source.value) }
    }
  }
}

export default featureOrder
