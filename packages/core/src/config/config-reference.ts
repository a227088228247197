import { z } from 'zod'
import { configSchema } from './schema.ts'

interface JsonSchema {
  type?: string | string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  format?: string
  minimum?: number
  exclusiveMinimum?: number
}

/**
 * Renders `docs/configuration.md` from the zod schema, so the reference cannot drift from
 * what start-up validates (a test compares the file with this output).
 */
export function renderConfigReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema
  const rows: string[] = []
  walk(schema, '', true, rows)
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/core/src/config/schema.ts by `npm run docs:config`. Do not edit. -->',
    '',
    'A config file is JSON or YAML. String values may reference environment variables as',
    '`${NAME}` or `${NAME:-default}`, which keeps secrets out of the file. Unknown keys are',
    'refused at start-up, and every error names the option path and the fix.',
    '',
    '| Option | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    '## Example',
    '',
    '```yaml',
    'publicUrl: https://api.example.com',
    'keys:',
    '  - ${COATCHECK_KEY}',
    'idp:',
    '  issuer: https://login.example.com',
    '  clientId: spa-bff',
    '  clientSecret: ${COATCHECK_CLIENT_SECRET}',
    '  resource: https://orders.example.com',
    'spa:',
    '  url: https://app.example.com/',
    'routes:',
    '  - path: /api/orders',
    '    upstream: https://orders.example.com',
    '```',
    '',
  ].join('\n')
}

function walk(schema: JsonSchema, path: string, required: boolean, rows: string[]) {
  if (schema.type === 'object' && schema.properties) {
    if (path) rows.push(row(path, schema, required))
    for (const [name, child] of Object.entries(schema.properties)) {
      const childRequired = schema.required?.includes(name) ?? false
      walk(child, path ? `${path}.${name}` : name, childRequired, rows)
    }
    return
  }
  rows.push(row(path, schema, required))
  if (schema.type === 'array' && schema.items?.type === 'object') {
    for (const [name, child] of Object.entries(schema.items.properties ?? {})) {
      const childRequired = schema.items.required?.includes(name) ?? false
      walk(child, `${path}[].${name}`, childRequired, rows)
    }
  }
}

function row(path: string, schema: JsonSchema, required: boolean): string {
  const fallback =
    schema.default !== undefined
      ? `\`${JSON.stringify(schema.default)}\``
      : required
        ? '**required**'
        : '—'
  const description = (schema.description ?? '').replaceAll('|', '\\|')
  return `| \`${path}\` | ${typeOf(schema)} | ${fallback} | ${description} |`
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(' \\| ')
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`
  if (schema.format === 'uri') return 'URL'
  return String(schema.type ?? 'value')
}
