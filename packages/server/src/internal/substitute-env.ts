/** One problem in a configuration file: the option path and what to do. */
export interface ConfigFileIssue {
  /** Dotted option path, e.g. `idp.clientSecret`; `(file)` for the file as a whole. */
  path: string
  message: string
  /** 1-based line of a parse error. */
  line?: number
  /** 1-based column of a parse error. */
  column?: number
}

// `$${` is an escaped literal `${`; `${NAME}` and `${NAME:-default}` are references; any other
// `${` is a mistake worth reporting rather than passing through as text.
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string value of a parsed configuration.
 * It runs after parsing, on values only, so a variable's content stays one string: a secret
 * holding `}` or a newline cannot add options. Returns the new value and every problem found.
 */
export function substituteEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; issues: ConfigFileIssue[] } {
  const issues: ConfigFileIssue[] = []
  const visit = (node: unknown, path: readonly (string | number)[]): unknown => {
    if (typeof node === 'string') return substituteString(node, env, path.join('.'), issues)
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]))
    if (node !== null && typeof node === 'object') {
      // fromEntries defines own properties, so a `__proto__` key stays a plain (unknown) option
      // for the schema to reject instead of replacing the object's prototype.
      return Object.fromEntries(
        Object.entries(node).map(([key, child]) => [key, visit(child, [...path, key])]),
      )
    }
    return node
  }
  return { value: visit(value, []), issues }
}

function substituteString(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  path: string,
  issues: ConfigFileIssue[],
): string {
  if (!text.includes('$')) return text
  return text.replace(
    REFERENCE,
    (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${'
      if (name === undefined) {
        issues.push({
          path,
          message:
            'has a `${` that is not a variable reference; write ${NAME} or ${NAME:-default}, ' +
            'or $${ for a literal ${',
        })
        return match
      }
      const set = env[name]
      // As in the shell, `:-` also applies when the variable is set but empty.
      if (fallback !== undefined) return set ? set : fallback
      if (set !== undefined) return set
      issues.push({
        path,
        message: `references \${${name}}, which is not set; export it or use \${${name}:-default}`,
      })
      return match
    },
  )
}
