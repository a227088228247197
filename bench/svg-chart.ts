// A dependency-free SVG bar chart: one group of bars per target, one panel per measure
// (req/s and p99), so the docs show the run at a glance.

/** One bar group: a target and its value per panel. */
export interface ChartRow {
  label: string
  values: number[]
}

/** A panel: its title and the unit printed after each value. */
export interface ChartPanel {
  title: string
  unit: string
}

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

const format = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1)

/** Renders `rows` as horizontal bars, one panel per entry of `panels`, side by side. */
export function renderBarChart(title: string, panels: ChartPanel[], rows: ChartRow[]): string {
  const labelWidth = 170
  const barWidth = 260
  const panelWidth = labelWidth + barWidth + 90
  const rowHeight = 22
  const top = 56
  const width = panelWidth * panels.length
  const height = top + rows.length * rowHeight + 16
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="20" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ]
  panels.forEach((panel, p) => {
    const x0 = p * panelWidth
    const max = Math.max(...rows.map((row) => row.values[p] ?? 0), 1e-9)
    parts.push(`<text x="${x0 + 12}" y="42" font-weight="bold">${escapeXml(panel.title)}</text>`)
    rows.forEach((row, r) => {
      const value = row.values[p] ?? 0
      const y = top + r * rowHeight
      const length = Math.max(1, (value / max) * barWidth)
      parts.push(
        `<text x="${x0 + labelWidth - 6}" y="${y + 14}" text-anchor="end">${escapeXml(row.label)}</text>`,
        `<rect x="${x0 + labelWidth}" y="${y + 3}" width="${length.toFixed(1)}" height="${rowHeight - 6}" fill="${p === 0 ? '#3b6ea8' : '#c0673a'}"/>`,
        `<text x="${x0 + labelWidth + length + 4}" y="${y + 14}">${format(value)} ${escapeXml(panel.unit)}</text>`,
      )
    })
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}
