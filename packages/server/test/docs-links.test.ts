// Every relative link between the docs and the README resolves: the file exists and, for a
// `#fragment`, so does the heading (GitHub's anchor rules).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { describe, it } from 'node:test'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const LINK = /\[[^\]]*\]\(([^)\s]+)\)/g

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function toAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The text outside fenced code blocks, where a line starting with `#` is a heading. */
function withoutFences(text: string): string {
  return text.replace(/```[\s\S]*?```/g, '')
}

/** The text outside fenced code blocks and code spans, where a `[x](y)` is a link. */
function withoutCode(text: string): string {
  return withoutFences(text).replace(/``[^\n]*?``|`[^`\n]*`/g, '')
}

async function anchorsOf(file: string): Promise<Set<string>> {
  const text = await readFile(file, 'utf8')
  const headings = [...withoutFences(text).matchAll(/^#{1,6}\s+(.+)$/gm)]
  return new Set(headings.map((match) => toAnchor(match[1] ?? '')))
}

async function markdownFiles(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs')))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name))
  return [join(ROOT, 'README.md'), ...docs]
}

describe('documentation links', () => {
  it('every relative link in README.md and docs/*.md resolves, anchors included', async () => {
    const broken: string[] = []
    let checked = 0
    for (const file of await markdownFiles()) {
      const text = withoutCode(await readFile(file, 'utf8'))
      for (const [, target = ''] of text.matchAll(LINK)) {
        if (/^[a-z]+:/i.test(target)) continue
        checked++
        const [path = '', fragment] = target.split('#')
        const resolved = path === '' ? file : join(dirname(file), path)
        const where = `${relative(ROOT, file)} → ${target}`
        if (!existsSync(resolved)) {
          broken.push(`${where}: no such file`)
        } else if (fragment !== undefined && resolved.endsWith('.md')) {
          if (!(await anchorsOf(resolved)).has(fragment)) broken.push(`${where}: no such heading`)
        }
      }
    }
    assert.deepEqual(broken, [])
    assert.ok(checked >= 20, `only ${checked} links found`)
  })

  it('follows no link inside code: a pattern in a profile table is not a link', () => {
    const text = 'a [link](one.md), `[code](two.md)` and `` `[x](three.md)` `` end'
    assert.deepEqual(
      [...withoutCode(text).matchAll(LINK)].map((match) => match[1]),
      ['one.md'],
    )
  })

  it('reads anchors the way GitHub writes them', () => {
    assert.equal(toAnchor('`coatcheck doctor`'), 'coatcheck-doctor')
    assert.equal(toAnchor('Which one to pick'), 'which-one-to-pick')
  })
})
