import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { substituteEnv, type ConfigFileIssue } from './internal/substitute-env.ts'

export type { ConfigFileIssue }

/**
 * Thrown when a configuration file cannot be read, does not parse, or references an unset
 * environment variable. Like `ConfigError`, its message names where the problem is and the
 * fix, and never quotes the file's content, which may hold secrets.
 */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError'
  /** The file, as given. */
  readonly file: string
  /** Every problem found. */
  readonly issues: readonly ConfigFileIssue[]

  constructor(file: string, issues: readonly ConfigFileIssue[], options?: { cause?: unknown }) {
    super(`Invalid Coatcheck config file ${file}:\n${issues.map(formatIssue).join('\n')}`, options)
    this.file = file
    this.issues = issues
  }
}

/**
 * Reads a JSON or YAML configuration file (chosen by extension: `.json`, `.yaml`, `.yml`) and
 * substitutes `${NAME}` and `${NAME:-default}` from `env` in its string values. The result is
 * raw input for `parseConfig`, which validates it.
 *
 * @throws ConfigFileError naming the file, the line or option path, and the fix.
 */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<unknown> {
  const parse = parserFor(path)
  const text = await readText(path)
  const substituted = substituteEnv(parse(path, text), env)
  if (substituted.issues.length > 0) throw new ConfigFileError(path, substituted.issues)
  return substituted.value
}

type Parser = (file: string, text: string) => unknown

function parserFor(path: string): Parser {
  const extension = extname(path).toLowerCase()
  if (extension === '.json') return parseJson
  if (extension === '.yaml' || extension === '.yml') return parseYaml
  throw new ConfigFileError(path, [
    { path: '(file)', message: 'must end in .yaml, .yml or .json so its format is known' },
  ])
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT'
        ? 'does not exist; check the --config path'
        : code === 'EACCES'
          ? 'cannot be read: permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read (${code ?? 'unknown error'})`
    throw new ConfigFileError(path, [{ path: '(file)', message: reason }], { cause })
  }
}

function parseYaml(file: string, text: string): unknown {
  const lineCounter = new LineCounter()
  // YAML 1.2 core schema: no `yes`/`no` booleans, no custom tags, duplicate keys refused.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  if (document.errors.length > 0) {
    throw new ConfigFileError(
      file,
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0])
        // The parser's own message, without the quoted source line that prettyErrors adds.
        return { path: '(file)', line, column: col, message: `${error.message} (${error.code})` }
      }),
    )
  }
  // Bounded alias expansion: a "billion laughs" file fails instead of eating the heap.
  return document.toJS({ maxAliasCount: 100 })
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new ConfigFileError(file, [describeJsonError(cause)], { cause })
  }
}

function describeJsonError(error: unknown): ConfigFileIssue {
  const message = error instanceof Error ? error.message : String(error)
  const located = /^(.*?) in JSON at position \d+ \(line (\d+) column (\d+)\)$/.exec(message)
  if (located) {
    return {
      path: '(file)',
      line: Number(located[2]),
      column: Number(located[3]),
      message: `not valid JSON: ${located[1]}`,
    }
  }
  // V8 quotes part of the file in some messages ("Unexpected token 'x', "…" is not valid JSON"):
  // keep only the part before the quote, since the file may hold a secret.
  return { path: '(file)', message: `not valid JSON: ${message.split(', "')[0] ?? 'parse error'}` }
}

function formatIssue(issue: ConfigFileIssue): string {
  if (issue.line !== undefined) {
    return `  - line ${issue.line}, column ${issue.column ?? 1}: ${issue.message}`
  }
  return issue.path === '(file)' ? `  - ${issue.message}` : `  - \`${issue.path}\` ${issue.message}`
}
