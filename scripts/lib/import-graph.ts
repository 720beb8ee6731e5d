/**
 * The import graph of a folder's .ts and .svelte files, and its cycles
 * (scripts/import-cycles.ts). Every import counts: values, types
 * (`import type`, `export type … from`, `import('…')` in a type), side
 * effects and dynamic imports, read by TypeScript's own scanner (not in
 * comments or strings). Only relative imports of files inside the folder are
 * edges: what a package or a file elsewhere imports cannot close a cycle here
 * unless it imports the folder back, which the folder's own rules forbid.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

export interface ImportGraph {
  /** every source file, absolute, sorted */
  files: string[]
  /** file → the files of the folder it imports, sorted */
  imports: Map<string, string[]>
}

const SOURCE = /\.(ts|svelte)$/
const SCRIPT = /<script\b[^>]*>([\s\S]*?)<\/script>/g

/** The module specifiers a file's text imports (a .svelte file's: those of its script blocks). */
export function specifiersOf (file: string, text: string): string[] {
  const code = file.endsWith('.svelte') ? [...text.matchAll(SCRIPT)].map(m => m[1] ?? '').join('\n') : text
  return ts.preProcessFile(code, true, true).importedFiles.map(f => f.fileName)
}

function sourceFiles (folder: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(folder)) {
    const path = join(folder, name)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/** The file a relative specifier names, as Vite and TypeScript find it; undefined when it is none of `files`. */
function resolveSpecifier (from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  const base = resolve(dirname(from), specifier)
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]
  return candidates.find(c => files.has(c) && existsSync(c))
}

/** The import graph of the source files under `folder`. */
export function importGraph (folder: string): ImportGraph {
  const files = sourceFiles(resolve(folder)).sort()
  const known = new Set(files)
  const imports = new Map<string, string[]>()
  for (const file of files) {
    const targets = new Set<string>()
    for (const specifier of specifiersOf(file, readFileSync(file, 'utf8'))) {
      const target = resolveSpecifier(file, specifier, known)
      if (target !== undefined) targets.add(target)
    }
    imports.set(file, [...targets].sort())
  }
  return { files, imports }
}

/** The strongly connected components with a cycle in them (Tarjan's algorithm), each sorted. */
function knots (graph: ImportGraph): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next)
    next++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.imports.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0))
      }
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    let w: string | undefined
    do {
      w = stack.pop()
      if (w === undefined) break
      onStack.delete(w)
      component.push(w)
    } while (w !== v)
    if (component.length > 1 || (graph.imports.get(v) ?? []).includes(v)) found.push(component.sort())
  }
  for (const file of graph.files) if (!index.has(file)) visit(file)
  return found
}

/** The shortest way from `start` back to itself inside `members`: [start, …, start]. */
function shortestLoop (graph: ImportGraph, start: string, members: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>()
  const queue = [start]
  for (let v = queue.shift(); v !== undefined; v = queue.shift()) {
    for (const w of graph.imports.get(v) ?? []) {
      if (!members.has(w)) continue
      if (w === start) {
        // v's way back to start, then the edge v → start
        const path = [v]
        for (let at = cameFrom.get(v); at !== undefined; at = cameFrom.get(at)) path.unshift(at)
        return [...path, start]
      }
      if (!cameFrom.has(w) && w !== start) {
        cameFrom.set(w, v)
        queue.push(w)
      }
    }
  }
  return [start, start]
}

export interface ImportCycle {
  /** every file of the knot (files that import each other, in a circle or more) */
  files: string[]
  /** one cycle through it: its first file, the files it imports in turn, the first again */
  loop: string[]
}

/** The import cycles of `graph`: one per knot of files, with a shortest loop through its first file. */
export function importCycles (graph: ImportGraph): ImportCycle[] {
  return knots(graph).map(files => ({ files, loop: shortestLoop(graph, files[0] ?? '', new Set(files)) }))
}

/** `cycle` as one line, paths relative to `from`. */
export function describeCycle (cycle: ImportCycle, from: string): string {
  const loop = cycle.loop.map(f => relative(from, f)).join(' → ')
  return cycle.files.length === cycle.loop.length - 1 ? loop : `${loop} (a knot of ${cycle.files.length} files)`
}
