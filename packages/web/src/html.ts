// Server-rendered HTML without a template engine: a tagged template that escapes every interpolated
// value unless it is already markup, the page shell the apps share (inline CSS, no CDN), and the small
// pieces every page uses (status pills in words, times in one format, tables that scroll when narrow).
import { operationStatusWords, subscriptionStatusWords, timeWords } from './words.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\`` escapes `text`; nested `html` results and arrays of them are kept as markup. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

export const STYLE = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dee4;--bg:#f6f8fa;--accent:#0f6cbd;--ok:#107c10;--warn:#8a4600;--bad:#b10e1c}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:.6rem 1.5rem;display:flex;flex-wrap:wrap;gap:.4rem 1.5rem;align-items:center}
header .brand{display:flex;align-items:center;gap:.5rem;font-weight:700;font-size:1.05rem;color:inherit;text-decoration:none}header .brand img{height:28px;width:auto}
header nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem}header nav a{color:var(--accent);text-decoration:none}header nav form{margin:0}header nav button.link{background:none;border:0;padding:0;color:var(--accent)}
main{max-width:1100px;margin:1.5rem auto;padding:0 1.5rem}
footer{max-width:1100px;margin:0 auto 2rem;padding:0 1.5rem;color:var(--muted);font-size:.9rem}main.narrow,footer.narrow{max-width:760px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;margin-bottom:1.25rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem;overflow-wrap:anywhere}h2{font-size:1.1rem;margin:.1rem 0 .75rem}
pre{white-space:pre-wrap;margin:.25rem 0;font-size:.85em}pre.body{overflow-wrap:anywhere;max-height:70vh;overflow-y:auto;background:var(--bg);padding:.5rem;border-radius:6px}code.call{overflow-wrap:anywhere}input.wide{width:min(24rem,100%)}details summary{cursor:pointer}.table{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}td.number{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}.counts{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;margin:0 0 1rem;padding:0;list-style:none}.counts a{text-decoration:none;color:inherit}
th{color:var(--muted);font-weight:600;font-size:.85rem;white-space:nowrap}
form.inline{display:inline-flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.2rem .6rem .2rem 0}
label{display:block;margin:.4rem 0 .15rem;font-weight:600;font-size:.9rem}label.check{display:inline-flex;gap:.35rem;align-items:center;font-weight:400;margin-right:1rem}
input,select{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:6px;background:#fff;max-width:100%}
button,.button{font:inherit;display:inline-block;padding:.4rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}button.danger{border-color:var(--bad);background:var(--bad)}button:disabled{opacity:.45;cursor:not-allowed}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(220px,100%),1fr));gap:.75rem 1.25rem}.grid>div{min-width:0}.grid input,.grid select{width:100%}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:#eef1f4;white-space:nowrap;vertical-align:middle}
.badge.Subscribed,.badge.Succeeded,.badge.Delivered{background:#dff6dd;color:var(--ok)}
.badge.Suspended,.badge.InProgress,.badge.Pending,.badge.PendingFulfillmentStart,.badge.NotStarted{background:#fff4ce;color:var(--warn)}
.badge.Unsubscribed,.badge.Failed,.badge.Rejected,.badge.Abandoned,.badge.Conflict{background:#fde7e9;color:var(--bad)}
.notice{padding:.6rem .9rem;border-radius:6px;margin-bottom:1rem;background:#dff6dd}.notice.error{background:#fde7e9}.notice.pending{background:#fff4ce}
.muted{color:var(--muted)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}
.id,time,.nowrap{white-space:nowrap}.email{overflow-wrap:anywhere}.url{display:block;overflow-x:auto;white-space:nowrap;padding-bottom:.2rem}td .url{max-width:12rem}td form button{white-space:nowrap}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0;min-width:0}
@media (max-width:600px){header,main,footer{padding-left:.75rem;padding-right:.75rem}section{padding:.8rem}dl{grid-template-columns:minmax(0,1fr)}dd{margin-bottom:.4rem}
.table thead{display:none}.table table,.table tbody,.table tr,.table td{display:block;width:auto}.table tr{border-bottom:1px solid var(--line);padding:.4rem 0}.table td{border:0;padding:.15rem 0;display:grid;grid-template-columns:8.5rem minmax(0,1fr);gap:.5rem}.table td>.cell{min-width:0}.table td::before{content:attr(data-label);color:var(--muted)}.table td[data-label=""]{grid-template-columns:minmax(0,1fr)}.table td[data-label=""]::before{display:none}.table td[colspan]{display:block}.table td.number{text-align:left}td .url{max-width:none;white-space:normal;overflow-wrap:anywhere}}
`;

export interface PageOptions {
  title: string;
  /** The product or tool name in the header. */
  app: string;
  /** Links; `post` makes one a button that posts (an action such as signing out, never a plain link). */
  nav: readonly { href: string; label: string; post?: boolean }[];
  notice?: string | undefined;
  error?: string | undefined;
  /** Shown next to the name in the header. */
  logoUrl?: string | undefined;
  /** Where the header's name links to. */
  homeUrl?: string | undefined;
  /** Below the content (a support contact, say). */
  footer?: SafeHtml | undefined;
  /** Reload the page every so many seconds while it shows work in progress. */
  refreshSeconds?: number | undefined;
  /** A reading width for pages of a few short sections (the buyer's pages). */
  narrow?: boolean | undefined;
}

export function page(options: PageOptions, body: SafeHtml): string {
  const brand = html`${options.logoUrl ? html`<img src="${options.logoUrl}" alt="">` : ''}<span>${options.app}</span>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}<title>${options.title} · ${options.app}</title><style>${new SafeHtml(STYLE)}</style></head>
<body><header>${options.homeUrl ? html`<a class="brand" href="${options.homeUrl}">${brand}</a>` : html`<span class="brand">${brand}</span>`}<nav>${options.nav.map((n) => (n.post ? html`<form method="post" action="${n.href}"><button class="link" type="submit">${n.label}</button></form>` : html`<a href="${n.href}">${n.label}</a>`))}</nav></header>
<main${options.narrow ? html` class="narrow"` : ''}>${options.notice ? html`<div class="notice" role="status">${options.notice}</div>` : ''}${
    options.error ? html`<div class="notice error" role="alert">${options.error}</div>` : ''
  }${body}</main>${options.footer ? html`<footer${options.narrow ? html` class="narrow"` : ''}>${options.footer}</footer>` : ''}</body></html>`.value;
}

/** A status pill: coloured by the raw value (when it is one we know), labelled in words. */
export const badge = (value: string, words: string = value) =>
  html`<span class="badge ${/^[A-Za-z]+$/.test(value) ? value : 'other'}" title="${value}">${words}</span>`;

/** A subscription's status in words: "Waiting for activation", not `PendingFulfillmentStart`. */
export const statusBadge = (status: string) => badge(status, subscriptionStatusWords(status));

/** An operation's status in words. */
export const operationBadge = (status: string) => badge(status, operationStatusWords(status));

/** A timestamp in the one readable format, unbroken, with the exact value for machines. */
export const when = (iso: string | undefined) => (iso ? html`<time datetime="${iso}">${timeWords(iso)}</time>` : html`<span class="muted">—</span>`);

/** An id that never breaks mid-value. */
export const idCode = (id: string) => html`<code class="id">${id}</code>`;

/** An id in a table's cell: its first part, unbroken, the whole on hover (a full one does not fit a phone's card). */
export const shortId = (id: string) => html`<code class="id" title="${id}">${id.slice(0, 8)}…</code>`;

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Free text (a cause, a reason) with every id in it shortened to its first part, whole on hover. */
export function textWithIds(text: string): SafeHtml {
  const parts: (string | SafeHtml)[] = [];
  let last = 0;
  for (const match of text.matchAll(GUID)) {
    parts.push(text.slice(last, match.index), html`<code class="id" title="${match[0]}">${match[0].slice(0, 8)}…</code>`);
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return html`${parts}`;
}

/**
 * A table; on a narrow screen each row becomes a card of its cells, each under its column's name, so no
 * row needs sideways scrolling to be read (the column names ride on the cells as data-label).
 */
export const table = (head: readonly string[], rows: readonly SafeHtml[], empty = 'Nothing yet.') =>
  html`<div class="table"><table><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${
    rows.length ? rows.map((row) => labelled(row, head)) : html`<tr><td colspan="${head.length}" class="muted">${empty}</td></tr>`
  }</tbody></table></div>`;

/**
 * The row with each of its cells labelled by its column (the n-th cell by the n-th heading), its content
 * in one box so a card lays out label and content side by side. Cells hold no tables of their own.
 */
function labelled(row: SafeHtml, head: readonly string[]): SafeHtml {
  let cell = 0;
  return new SafeHtml(
    row.value.replace(/<td(\s[^>]*)?>([\s\S]*?)<\/td>/g, (_, attributes: string | undefined, content: string) => {
      const label = escapeHtml(head[cell++] ?? '');
      return `<td data-label="${label}"${attributes ?? ''}><div class="cell">${content}</div></td>`;
    }),
  );
}
