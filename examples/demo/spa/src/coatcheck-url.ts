/** Coatcheck's URL, from the `<meta>` the SPA server fills in at start-up. */
export function readCoatcheckUrl(): string {
  const content = document.querySelector('meta[name="coatcheck-url"]')?.getAttribute('content')
  if (!content) throw new Error('Serve this page with the demo SPA server: no coatcheck-url')
  return content.replace(/\/+$/, '')
}
