// Text and data made safe for the report's HTML: the one escaping of the page's strings and inlined JSON.

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** JSON that is safe inside a <script> element: no `</script>` or `<!--` can appear in it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

/** Escaped text in which `op N` becomes a link to that op's box on the timeline. */
export function linkOps(text: string): string {
  return escapeHtml(text).replaceAll(/\bop (\d+)\b/g, '<a href="#op-$1">op $1</a>');
}
