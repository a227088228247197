// The size budget of the browser SDK, measured the way an app ships it: bundled, minified and
// gzipped. Without permissions CASL must not be in the bundle at all.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const packageDir = join(import.meta.dirname, '..')
const BUDGET_WITHOUT_CASL = 6_000
const BUDGET_WITH_CASL = 14_000

async function measure(entry: string) {
  const result = await build({
    stdin: { contents: entry, resolveDir: packageDir, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    platform: 'browser',
    metafile: true,
  })
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  return {
    minified: code.byteLength,
    gzipped: gzipSync(code).byteLength,
    text: new TextDecoder().decode(code),
    inputs: Object.keys(result.metafile.inputs),
  }
}

describe('bundle size', () => {
  it(`stays within ${BUDGET_WITHOUT_CASL} bytes min+gzip without permissions, CASL left out`, async (t) => {
    const size = await measure(`export * from './src/index.ts'`)
    t.diagnostic(`@coatcheck/client: ${size.minified} B minified, ${size.gzipped} B min+gzip`)
    assert.ok(size.gzipped <= BUDGET_WITHOUT_CASL, `${size.gzipped} B`)
    assert.deepEqual(
      size.inputs.filter((input) => input.includes('node_modules')),
      [],
      'nothing from node_modules (CASL) in the bundle',
    )
  })

  it(`stays within ${BUDGET_WITH_CASL} bytes min+gzip with casl()`, async (t) => {
    const size = await measure(`export * from './src/index.ts'\nexport * from './src/casl.ts'`)
    t.diagnostic(
      `@coatcheck/client + /permissions: ${size.minified} B minified, ${size.gzipped} B min+gzip`,
    )
    assert.ok(size.gzipped <= BUDGET_WITH_CASL, `${size.gzipped} B`)
    assert.ok(size.inputs.some((input) => input.includes('@casl/ability')))
  })

  it('ships no code that reaches for browser storage', async () => {
    const { text } = await measure(`export * from './src/index.ts'\nexport * from './src/casl.ts'`)
    for (const api of ['localStorage', 'sessionStorage', 'indexedDB', '.cookie', 'caches']) {
      assert.equal(text.includes(api), false, api)
    }
  })
})
