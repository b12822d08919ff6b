// Server-rendered HTML without a template engine: a tagged template that escapes every interpolated
// value unless it is already markup, and the page shell the apps share (inline CSS, no CDN, no script).

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
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

const STYLE = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d8dee4;--bg:#f6f8fa;--accent:#0f6cbd;--ok:#107c10;--warn:#b35900;--bad:#c50f1f}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:.75rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header strong{font-size:1.05rem}header nav a{margin-right:1rem;color:var(--accent);text-decoration:none}
main{max-width:1100px;margin:1.5rem auto;padding:0 1.5rem}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem 1.25rem;margin-bottom:1.25rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}h2{font-size:1.1rem;margin:.1rem 0 .75rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600;font-size:.85rem}
form.inline{display:inline-flex;gap:.4rem;align-items:center;margin:.2rem .6rem .2rem 0}
label{display:block;margin:.4rem 0 .15rem;font-weight:600;font-size:.9rem}
input,select{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:6px;background:#fff}
button{font:inherit;padding:.4rem .9rem;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:var(--accent)}button.danger{border-color:var(--bad);background:var(--bad)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:.75rem 1.25rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:#eef1f4}
.badge.Subscribed,.badge.Succeeded,.badge.Delivered{background:#dff6dd;color:var(--ok)}
.badge.Suspended,.badge.InProgress,.badge.Pending,.badge.PendingFulfillmentStart{background:#fff4ce;color:var(--warn)}
.badge.Unsubscribed,.badge.Failed,.badge.Rejected,.badge.Abandoned{background:#fde7e9;color:var(--bad)}
.notice{padding:.6rem .9rem;border-radius:6px;margin-bottom:1rem;background:#dff6dd}.notice.error{background:#fde7e9}
.muted{color:var(--muted)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem;word-break:break-all}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}dt{color:var(--muted)}dd{margin:0}
`;

export interface PageOptions {
  title: string;
  app: string;
  nav: readonly { href: string; label: string }[];
  notice?: string | undefined;
  error?: string | undefined;
}

export function page(options: PageOptions, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${options.title} · ${options.app}</title><style>${new SafeHtml(STYLE)}</style></head>
<body><header><strong>${options.app}</strong><nav>${options.nav.map((n) => html`<a href="${n.href}">${n.label}</a>`)}</nav></header>
<main>${options.notice ? html`<div class="notice" role="status">${options.notice}</div>` : ''}${
    options.error ? html`<div class="notice error" role="alert">${options.error}</div>` : ''
  }${body}</main></body></html>`.value;
}

export const badge = (status: string) => html`<span class="badge ${status}">${status}</span>`;
