/** A form found in a page: where it posts and the values it would submit unchanged. */
export interface HtmlForm {
  action: string
  method: string
  /** Names and values of hidden inputs. */
  hidden: [string, string][]
  /** Names of every input, hidden or not. */
  inputNames: string[]
}

const FORM = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi
const INPUT = /<input\b([^>]*?)\/?>/gi
const ATTRIBUTE = /([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g

/**
 * Finds the forms of a page served by the dev IdP or oidc-provider. Enough for the pages the
 * HTTP drivers walk through (quoted attributes, no nested forms); not a general HTML parser.
 */
export function parseForms(html: string): HtmlForm[] {
  return [...html.matchAll(FORM)].map(([, formAttributes = '', content = '']) => {
    const form = readAttributes(formAttributes)
    const inputs = [...content.matchAll(INPUT)].map(([, attributes = '']) =>
      readAttributes(attributes),
    )
    return {
      action: form.get('action') ?? '',
      method: (form.get('method') ?? 'get').toLowerCase(),
      hidden: inputs
        .filter((input) => input.get('type')?.toLowerCase() === 'hidden' && input.has('name'))
        .map((input) => [input.get('name') ?? '', input.get('value') ?? '']),
      inputNames: inputs.flatMap((input) => input.get('name') ?? []),
    }
  })
}

/** Reads the escaped text of the first element carrying `attribute`, e.g. `data-error`. */
export function findAttribute(html: string, attribute: string): string | undefined {
  const match = new RegExp(`\\b${attribute}="([^"]*)"`).exec(html)
  return match?.[1] === undefined ? undefined : decodeEntities(match[1])
}

function readAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>()
  for (const [, name = '', double, single] of source.matchAll(ATTRIBUTE)) {
    attributes.set(name.toLowerCase(), decodeEntities(double ?? single ?? ''))
  }
  return attributes
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, entity: string) => {
    const lower = entity.toLowerCase()
    if (lower.startsWith('#x')) return String.fromCodePoint(Number.parseInt(lower.slice(2), 16))
    if (lower.startsWith('#')) return String.fromCodePoint(Number.parseInt(lower.slice(1), 10))
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? ''
  })
}
