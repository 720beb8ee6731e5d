import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createZxingDecoder } from '../../../src/lib/ui/qr-zxing.ts'
import type { QrDecoder, QrPixels } from '../../../src/lib/ui/qr-scan.ts'

/**
 * Node has no canvas and no fetch for file URLs, so the tests draw pixels
 * themselves and hand zxing-wasm its .wasm bytes directly (the app instead
 * points it at the copy Vite bundles).
 */
export function nodeZxingDecoder (): QrDecoder {
  const path = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm')
  const bytes = readFileSync(path)
  const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  return createZxingDecoder({ wasmBinary })
}

/** An opaque image of one colour. */
export function solidPixels (width: number, height: number, grey: number): QrPixels {
  const data = new Uint8ClampedArray(width * height * 4).fill(grey)
  for (let i = 3; i < data.length; i += 4) data[i] = 255
  return { data, width, height }
}

/** Paints a module matrix (`true` = dark) at `scale` pixels per module, dark on white. */
export function matrixPixels (modules: ReadonlyArray<ReadonlyArray<boolean>>, scale: number): QrPixels {
  const size = modules.length * scale
  const pixels = solidPixels(size, size, 255)
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (!dark) return
      for (let dy = 0; dy < scale; dy++) {
        const offset = ((y * scale + dy) * size + x * scale) * 4
        // RGB to 0, alpha stays 255
        for (let dx = 0; dx < scale; dx++) pixels.data.fill(0, offset + dx * 4, offset + dx * 4 + 3)
      }
    })
  })
  return pixels
}

/**
 * The module matrix an SVG from QrCode.svelte draws: its viewBox is the size
 * in modules and its path is a list of `M x y h len v 1 h -len z` runs.
 */
export function svgModules (svg: string): boolean[][] {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1])
  const d = /<path d="([^"]*)"/.exec(svg)?.[1]
  if (!Number.isInteger(size) || d === undefined) throw new Error(`not a QrCode svg: ${svg.slice(0, 200)}`)
  if (d.replace(/M\d+ \d+h\d+v1h-\d+z/g, '') !== '') throw new Error('the path holds more than runs of modules')
  const modules = Array.from({ length: size }, () => Array.from({ length: size }, () => false))
  for (const [, x, y, len] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const row = modules[Number(y)]
    if (row === undefined) throw new Error(`run outside the matrix at row ${y}`)
    row.fill(true, Number(x), Number(x) + Number(len))
  }
  return modules
}
