import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { summariseByComponent, summariseProfile } from './cpu-profile.ts'
import { renderProfileTable, replaceGeneratedSection } from './report.ts'
import { renderBarChart } from './svg-chart.ts'

describe('report helpers', () => {
  it('replaces only the generated section of the docs, or appends one', () => {
    const first = replaceGeneratedSection('# Benchmarks\n\nMethod.\n', 'run 1')
    assert.match(
      first,
      /^# Benchmarks\n\nMethod\.\n\n<!-- bench:begin[^\n]*-->\n\nrun 1\n\n<!-- bench:end -->\n$/,
    )
    const second = replaceGeneratedSection(`${first}\n## Changes\n`, 'run 2')
    assert.doesNotMatch(second, /run 1/)
    assert.match(second, /run 2\n\n<!-- bench:end -->\n\n## Changes\n$/)
  })

  it('draws one bar per row and panel, scaled to the largest value, text escaped', () => {
    const svg = renderBarChart(
      'a <b>',
      [
        { title: 'req/s', unit: 'req/s' },
        { title: 'p99', unit: 'ms' },
      ],
      [
        { label: 'nginx', values: [1000, 2] },
        { label: 'memory', values: [500, 4] },
      ],
    )
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    assert.match(svg, /a &#60;b&#62;/)
    const widths = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((match) =>
      Number(match[1]),
    )
    assert.deepEqual(widths, [260, 130, 130, 260])
  })

  it('sums self time per function from the samples, heaviest first', () => {
    const frame = (functionName: string, url = '', lineNumber = 0) => ({
      functionName,
      url,
      lineNumber,
    })
    const summary = summariseProfile(
      {
        nodes: [
          { id: 1, callFrame: frame('(root)') },
          { id: 2, callFrame: frame('parse', 'file:///repo/packages/core/src/a.ts', 9) },
          { id: 3, callFrame: frame('', 'file:///repo/node_modules/undici/x.js', 0) },
        ],
        samples: [2, 3, 2, 1],
        timeDeltas: [1000, 500, 2000, 500],
      },
      '/repo',
      2,
    )
    assert.deepEqual(summary, [
      { frame: 'parse (packages/core/src/a.ts:10)', selfMs: 3, percent: 75 },
      { frame: '(anonymous) (undici/x.js:1)', selfMs: 0.5, percent: 12.5 },
    ])
  })

  it('sums self time per component: Coatcheck, undici, garbage collection', () => {
    const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 })
    const summary = summariseByComponent({
      nodes: [
        { id: 1, callFrame: frame('(garbage collector)') },
        { id: 2, callFrame: frame('load', 'file:///repo/packages/core/src/a.ts') },
        { id: 3, callFrame: frame('dispatch', 'file:///repo/node_modules/undici/x.js') },
      ],
      samples: [2, 3, 2, 1],
      timeDeltas: [1000, 1000, 1000, 1000],
    })
    assert.deepEqual(
      summary.map((entry) => [entry.frame, entry.percent]),
      [
        ['Coatcheck (packages/*)', 50],
        ['undici (upstream client)', 25],
        ['garbage collection', 25],
      ],
    )
  })

  it('escapes a pipe in a profile frame, so a regular expression stays in its cell', () => {
    const table = renderProfileTable([{ frame: 'RegExp: a|b', selfMs: 1, percent: 1 }])
    assert.match(table, /`RegExp: a\\\|b`/)
    assert.equal(
      table
        .split('\n')
        .at(-1)
        ?.split(/(?<!\\)\|/).length,
      4,
    )
  })
})
