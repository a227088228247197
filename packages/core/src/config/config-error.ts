/**
 * Thrown at start-up when the configuration cannot work. The message names the option path
 * and the fix, e.g. "`cookie.domain`: a `__Host-` cookie must not have a Domain; remove
 * `cookie.domain` or rename the cookie".
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  /** Every problem found, one per option path. */
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[]) {
    super(
      `Invalid Coatcheck configuration:\n${issues.map((issue) => `  - \`${issue.path}\`: ${issue.message}`).join('\n')}`,
    )
    this.issues = issues
  }
}

/** One configuration problem: where it is and what to do. */
export interface ConfigIssue {
  /** Dotted option path, e.g. `idp.issuer`; `(root)` for the whole object. */
  path: string
  /** What is wrong and how to fix it. */
  message: string
}
